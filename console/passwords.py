"""Password rules: long enough, and neither common nor trivial (a shipped list plus simple rules, no network)."""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from hotline.errors import InvalidInput

COMMON_FILE = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
# Keyboard rows and columns people walk along ("qwertyuiop", "1qaz2wsx"), and the alphabet and digits.
WALKS = ("1234567890", "0123456789", "qwertyuiop", "asdfghjkl", "zxcvbnm", "abcdefghijklmnopqrstuvwxyz",
         "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p", "qazwsxedcrfvtgbyhnujmikolp", "!@#$%^&*()")
# Look-alike characters folded back to letters before the list is consulted (p@ssw0rd is password).
LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s", "5": "s",
                      "7": "t", "+": "t", "8": "b", "9": "g"})
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")
MIN_DISTINCT = 5


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list, lower case."""
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_walk(text: str) -> bool:
    """Made only of runs along a keyboard row or the alphabet, either way ("1234567890", "poiuytrewq")."""
    rows = WALKS + tuple(w[::-1] for w in WALKS)
    i = 0
    while i < len(text):
        best = max((len(_run(text, i, row)) for row in rows), default=0)
        if best < 3:
            return False
        i += best
    return True


def _run(text: str, i: int, row: str) -> str:
    start = row.find(text[i])
    if start < 0:
        return ""
    n = 0
    while i + n < len(text) and start + n < len(row) and text[i + n] == row[start + n]:
        n += 1
    return text[i:i + n]


def _is_repeat(text: str) -> bool:
    """One short unit over and over ("abcabcabcabc", "12121212")."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return True
    return False


def _strip_walks(text: str) -> str:
    """What is left of text once every run of 3+ along a keyboard row or the alphabet is taken out."""
    rows = WALKS + tuple(w[::-1] for w in WALKS)
    out, i = [], 0
    while i < len(text):
        best = max((len(_run(text, i, row)) for row in rows), default=0)
        if best >= 3:
            i += best
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _leftover(text: str, username: str) -> str:
    """Text without the common words (5+ letters), the username and keyboard walks it is built from."""
    if len(username) >= 3:
        text = text.replace(username, "")
    words = sorted((w for w in common_passwords() if len(w) >= 5 and w in text), key=lambda w: (-len(w), w))
    for word in words:
        text = text.replace(word, "")
    return _strip_walks(text)


def weakness(password: str, *, username: str = "", min_chars: int = 10) -> str | None:
    """Why the password is refused, or None when it is acceptable."""
    if not password or len(password) < min_chars:
        return f"passwords have at least {min_chars} characters"
    lower = password.lower()
    if len(set(lower)) < MIN_DISTINCT or _is_repeat(lower):
        return "this password repeats too few characters; use a few unrelated words"
    if _is_walk(lower):
        return "this password is a sequence on the keyboard or the alphabet; use a few unrelated words"
    common = common_passwords()
    # Look-alikes are folded inside the password's letters only: digits around it stay digits.
    core = _EDGES.sub("", lower)
    folded = lower.replace(core, core.translate(LEET)) if core else lower
    name = (username or "").strip().lower()
    for form in (lower, folded):
        if form in common or _EDGES.sub("", form) in common:
            return "this password is one of the most common ones; use a few unrelated words"
        rest = _leftover(form, name)
        if len(rest) < 4 or (len(rest) <= 6 and not any(ch.isalpha() for ch in rest)):
            return "this password is a common word, the username or a sequence with little added; " \
                   "use a few unrelated words"
    return None


def check(password: str, *, username: str = "", min_chars: int = 10) -> None:
    """InvalidInput naming the rule a password breaks."""
    reason = weakness(password, username=username, min_chars=min_chars)
    if reason:
        raise InvalidInput(reason, field="password", code="weak_password")
