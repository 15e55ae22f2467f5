"""The assistant's own records for the trainer (consultations; later bookings and handoffs)."""

from records.store import RecordStore

__all__ = ["RecordStore"]
