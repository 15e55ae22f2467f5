"""Local stand-ins for providers this machine cannot reach (Telegram Bot API, WhatsApp Cloud API).

Each is a small HTTP server on 127.0.0.1 that records the calls and answers as the
real API does, errors included; the production code reaches it only through the
*_API_BASE variables.
"""
