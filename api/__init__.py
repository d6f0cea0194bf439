"""The JSON API (token auth) used by the bot's actions and partners."""
from api.routes import bp

__all__ = ["bp"]
