"""Messaging providers' HTTP APIs (Telegram Bot API, WhatsApp Cloud API) as plain clients and parsers.

No Rasa imports here: bot/channels/ adapts these to Rasa's input and output channels.
"""
