"""Twilio voice and SMS on one number: parse the webhook, make one core call, answer in TwiML.

Importing the package loads nothing: the scheduler imports ivr.webhooks (pure) without the blueprints,
which the app factory takes from ivr.blueprints.
"""
