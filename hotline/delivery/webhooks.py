"""Where the provider fetches a placed call's instructions and reports on what we sent: handed in by the wiring.

The channel that serves these webhooks (ivr/webhooks.py) builds the value and the entry points pass it to
build_services, so the core names none of its paths.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class WebhookUrls:
    """The public URLs of the webhooks behind the SMS and calls the scheduler sends."""

    sms_status: str  # every SMS's delivery reports
    followup_call: Callable[[int], str]  # ticket id -> the 回访 survey call's instructions
    callback_call: Callable[[int, str], str]  # callback id, leg ("agent" or "citizen") -> that call's instructions
    call_status: Callable[[str], str]  # a placed call's instructions URL -> where its call status is reported
