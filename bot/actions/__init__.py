"""Custom actions served by the rasa-sdk action server (`python -m rasa_sdk --actions bot.actions`).

Each module holds the thin Rasa adapters for one concern; the logic they call
lives in plain Python (coaching/, knowledge/) and is tested without Rasa.
"""
