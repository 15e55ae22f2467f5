"""The booking pieces configured from settings.py (the only module here that reads it).

Everything else takes its values as arguments, so tests and tools pass their own.
"""

from __future__ import annotations

from typing import Any, Dict

from booking.availability import Availability, load_availability
from booking.store import BookingStore


def availability_from_settings() -> Availability:
    import settings  # imported late: reading settings may create var/ and its secrets

    return load_availability(settings.AVAILABILITY_FILE)


def store_from_settings() -> BookingStore:
    import settings

    return BookingStore(settings.APP_DB_URL, max_open_per_conversation=settings.MAX_OPEN_BOOKINGS_PER_CONVERSATION)


def email_settings() -> Dict[str, Any]:
    """Keyword arguments for notify.email_trainer_about_booking."""
    import settings

    return {
        "smtp_host": settings.SMTP_HOST,
        "smtp_port": settings.SMTP_PORT,
        "smtp_from": settings.SMTP_FROM,
        "trainer_email": settings.TRAINER_EMAIL,
        "username": settings.SMTP_USERNAME,
        "password": settings.SMTP_PASSWORD,
        "starttls": settings.SMTP_STARTTLS,
        "trainer_name": settings.TRAINER_NAME,
    }
