"""Web chat: the embeddable widget (/chat/widget.js), its JSON API (/chat/api/messages) and a demo page (/)."""
from webchat.routes import bp

__all__ = ["bp"]
