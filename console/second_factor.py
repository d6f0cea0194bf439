"""TOTP (RFC 6238) for supervisors and admins: enrol with a secret shown once, then a code at every sign-in."""
from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

from console.access import ADMIN, SUPERVISOR
from hotline.store.models import User

# Roles offered (and, with auth.require_totp, required to have) a second factor.
TOTP_ROLES = (SUPERVISOR, ADMIN)
# Codes of the step before and after are accepted too: phones' clocks drift by a few seconds.
DRIFT_STEPS = 1


def new_secret() -> str:
    """A fresh base32 secret (160 bits)."""
    return pyotp.random_base32(32)


def otpauth_uri(secret: str, username: str, issuer: str) -> str:
    """The otpauth:// URI an authenticator app accepts as text (no QR code needed)."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step whose code this is (within the allowed drift), or None."""
    code = (code or "").strip().replace(" ", "")
    if not code.isdigit() or len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for offset in range(-DRIFT_STEPS, DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step + offset), code):
            return step + offset
    return None


def verify(user: User, code: str, now: datetime) -> bool:
    """Accept a code once: a code (or an older one) already used cannot sign in again."""
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, now)
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def enrol(user: User, secret: str, code: str, now: datetime) -> bool:
    """Store the secret when the code proves the app holds it."""
    step = matching_step(secret, code, now)
    if step is None:
        return False
    user.totp_secret, user.totp_last_step = secret, step
    return True
