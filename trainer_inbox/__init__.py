"""The trainer's inbox: a small web app for handed-off conversations, bookings and stats."""
