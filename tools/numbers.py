"""Point a real Twilio number's voice, SMS, fallback and status URLs at PUBLIC_BASE_URL.

`flask --app app twilio point-number [--number +1...] [--dry-run]`
"""
from __future__ import annotations

from urllib.parse import urlsplit

import click
from flask.cli import AppGroup
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hotline.privacy import mask_phone
from webapp import services

cli = AppGroup("twilio", help="The hotline's Twilio number.")


def webhook_urls(public_base_url: str) -> dict[str, str]:
    """The Twilio number settings for this hotline (the webhook contract in the README)."""
    base = public_base_url.rstrip("/")
    return {"voice_url": f"{base}/twilio/voice", "voice_method": "POST",
            "voice_fallback_url": f"{base}/twilio/fallback", "voice_fallback_method": "POST",
            "status_callback": f"{base}/twilio/voice/status", "status_callback_method": "POST",
            "sms_url": f"{base}/twilio/sms", "sms_method": "POST",
            "sms_fallback_url": f"{base}/twilio/fallback", "sms_fallback_method": "POST"}


def point_number(client: Client, phone_number: str, public_base_url: str) -> dict[str, str]:
    """Set the number's URLs; returns what was set. LookupError when the account does not own the number."""
    numbers = client.incoming_phone_numbers.list(phone_number=phone_number, limit=2)
    if not numbers:
        raise LookupError(f"this Twilio account has no number {phone_number}")
    urls = webhook_urls(public_base_url)
    numbers[0].update(**urls)
    return urls


def check_public_base(url: str) -> str | None:
    """Why Twilio could not reach (or sign for) this base URL, or None when it looks right."""
    parts = urlsplit(url)
    if parts.scheme != "https":
        return "PUBLIC_BASE_URL must be https:// (Twilio signs the URL it calls; use a tunnel or proxy in front)"
    if parts.hostname in ("127.0.0.1", "localhost", "0.0.0.0") or not parts.hostname:
        return "PUBLIC_BASE_URL must be reachable from the internet, not a loopback address"
    return None


@cli.command("point-number")
@click.option("--number", default=None, help="the Twilio number to configure (TWILIO_PHONE_NUMBER by default)")
@click.option("--dry-run", is_flag=True, help="print the URLs without calling Twilio")
def point_number_command(number: str | None, dry_run: bool) -> None:
    """Point the hotline's Twilio number at PUBLIC_BASE_URL: voice, SMS, fallback and status callback URLs."""
    svc = services()
    cfg = svc.config
    number = number or cfg.twilio.phone_number
    problem = check_public_base(cfg.app.public_base_url)
    if problem:
        raise click.ClickException(problem)
    if not number:
        raise click.ClickException("no number given: set TWILIO_PHONE_NUMBER or pass --number")
    if dry_run:
        for key, value in webhook_urls(cfg.app.public_base_url).items():
            click.echo(f"{key:24} {value}")
        return
    if not (cfg.twilio.account_sid and cfg.twilio.auth_token):
        raise click.ClickException("set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    http_client = TwilioHttpClient(timeout=cfg.twilio.http_timeout_s)
    client = Client(cfg.twilio.account_sid, cfg.twilio.auth_token, http_client=http_client)
    try:
        urls = point_number(client, number, cfg.app.public_base_url)
    except (LookupError, TwilioException) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"pointed {mask_phone(number)} at {cfg.app.public_base_url}:")
    for key, value in urls.items():
        click.echo(f"  {key:24} {value}")
