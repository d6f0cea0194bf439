"""Masking of personal data before it reaches logs."""

import re

# "+" and 6-15 digits, or 7-15 bare digits: long enough to skip Twilio's 5-digit error codes.
_PHONE_RUN = re.compile(r"\+\d{6,15}|(?<!\d)\d{7,15}(?!\d)")


def mask_phone(number: str | None) -> str:
    """Hide every digit of a phone number except the last four."""
    if not number:
        return ""
    total = sum(ch.isdigit() for ch in number)
    seen = 0
    out = []
    for ch in number:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > total - 4 else "*")
        else:
            out.append(ch)  # keep "+", "whatsapp:" and separators so the shape stays readable
    return "".join(out)


def redact_phones(text: str) -> str:
    """Mask every phone-number-looking run inside free text (provider error messages)."""
    return _PHONE_RUN.sub(lambda m: mask_phone(m.group(0)), text)
