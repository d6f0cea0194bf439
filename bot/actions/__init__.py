"""The bot's custom actions (run by `rasa run actions`); every call to the app goes through hotline_api."""
