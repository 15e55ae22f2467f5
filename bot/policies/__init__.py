"""Dialogue policies of our own (the rest are Rasa's, configured in config.yml)."""
