"""The hotline core: domain, persistence and use cases; imports no Flask, APScheduler or Rasa."""
