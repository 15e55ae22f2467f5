"""Chat channels (connectors) the Rasa server listens on, configured in credentials.yml."""
