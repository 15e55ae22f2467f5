"""Booking tables, on the records' `Base` so one create_all makes every table.

Double booking is prevented by the database, not by a check-then-insert in
Python (which two simultaneous requests would both pass): every confirmed
booking claims each CLAIM_MINUTES-long block of time it occupies (session plus
buffer) in `booking_time_claims`, whose primary key is the block. Two bookings
that overlap anywhere try to insert the same key, and the second insert fails
with an IntegrityError in any database (SQLite, PostgreSQL, ...), across
threads and processes. Cancelling deletes the claims, which frees the time.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Text

from common.clock import utc_now
from records.schema import Base

CLAIM_MINUTES = 5  # granularity of claims; times between marks are rounded outwards


class Booking(Base):
    """One session someone booked through the chat."""

    __tablename__ = "bookings"
    __table_args__ = (
        # The inbox's lists: upcoming / past / cancelled by start, new ones by when they were made,
        # and the stats' conversations with a confirmed booking.
        Index("ix_bookings_status_starts", "status", "starts_at"),
        Index("ix_bookings_seen_created", "seen", "created_at"),
        Index("ix_bookings_conversation_status", "conversation_id", "status"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)  # told to the person, e.g. KB-7F3A9C
    conversation_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(64), nullable=False, default="rest")
    # Always UTC. SQLite stores no offset, so the store normalises on the way in and out.
    starts_at = Column(DateTime(timezone=True), nullable=False, index=True)
    ends_at = Column(DateTime(timezone=True), nullable=False)
    time_zone = Column(String(64), nullable=False)  # the trainer's zone when booked, for wording times
    name = Column(String(200), nullable=False)
    contact = Column(String(320), nullable=False)
    contact_kind = Column(String(16), nullable=False)  # email | phone
    status = Column(String(16), nullable=False, default="confirmed", index=True)  # confirmed | cancelled
    intake_summary = Column(Text, nullable=False, default="")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utc_now)
    cancelled_at = Column(DateTime(timezone=True))
    cancelled_by = Column(String(16))  # client | trainer
    invite_token = Column(String(64), nullable=False, unique=True)  # unguessable link to the .ics
    seen = Column(Boolean, nullable=False, default=False)  # the trainer has looked at it in the inbox
    sequence = Column(Integer, nullable=False, default=0)  # bumped on reschedule: calendar SEQUENCE


class BookingTimeClaim(Base):
    """A block of the trainer's time held by one confirmed booking (see module doc)."""

    __tablename__ = "booking_time_claims"

    # Minutes since 1970-01-01 UTC, on the CLAIM_MINUTES grid: an integer key compares
    # the same in every database, unlike timestamps stored with or without zones.
    minute = Column(Integer, primary_key=True, autoincrement=False)
    booking_id = Column(Integer, ForeignKey("bookings.id"), nullable=False, index=True)
