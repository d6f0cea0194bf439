"""Talking with citizens: the one conversation turn, the dialogues and the prompt catalogue."""
