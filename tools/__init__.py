"""Operator tools beside the channels: the terminal phone, pointing a Twilio number."""
