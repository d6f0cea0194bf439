"""Labelled message files: read a training CSV row by row, naming every bad row by line and reason."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from hotline.rules.taxonomy import KINDS, Taxonomy
from hotline.understanding.model import TrainingRow

DATA_DIR = Path(__file__).resolve().parent.parent / "data" / "nlu"
CORPUS = DATA_DIR / "corpus.csv"
CORPUS_HELDOUT = DATA_DIR / "corpus_heldout.csv"
HANDWRITTEN = DATA_DIR / "eval_handwritten.csv"
CROSSWOZ = DATA_DIR / "crosswoz_consult.csv"
MAX_TEXT = 4000


class DatasetError(ValueError):
    """A file that cannot be read as labelled messages at all (encoding, header)."""


@dataclass
class Dataset:
    """The usable rows of a file, and what was wrong with the others."""

    rows: list[TrainingRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line number, reason)
    ignored_columns: tuple[str, ...] = ()


def read_csv(path: str | Path, taxonomy: Taxonomy, *, weight: float = 1.0, kind_only: bool = False) -> Dataset:
    """Rows of a UTF-8 CSV with a header `text` and `group` and/or `service_code` (optional `kind`)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise DatasetError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    try:
        content = raw.decode("utf-8-sig")  # Excel writes a byte-order mark
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise DatasetError(f"{path}: line {line}: not UTF-8 (save the file as UTF-8 CSV)") from exc
    return parse_csv(content, taxonomy, name=str(path), weight=weight, kind_only=kind_only)


def parse_csv(content: str, taxonomy: Taxonomy, *, name: str = "input", weight: float = 1.0,
              kind_only: bool = False) -> Dataset:
    """Like read_csv, from text."""
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise DatasetError(f"{name}: the file is empty") from None
    except csv.Error as exc:
        raise DatasetError(f"{name}: line 1: {exc}") from None
    cols = [h.strip().lower() for h in header]
    if "text" not in cols:
        raise DatasetError(f"{name}: line 1: the header needs a `text` column (got {', '.join(cols) or 'nothing'})")
    if not kind_only and "group" not in cols and "service_code" not in cols:
        raise DatasetError(f"{name}: line 1: the header needs a `group` or `service_code` column besides `text`")
    known = {"text", "group", "service_code", "kind"}
    out = Dataset(ignored_columns=tuple(c for c in cols if c not in known))
    pos = {c: cols.index(c) for c in known if c in cols}
    seen: set[str] = set()
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            out.errors.append((reader.line_num, f"unreadable CSV ({exc})"))
            continue
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(cols):
            out.errors.append((line, f"{len(values)} fields, the header has {len(cols)}"))
            continue
        get = lambda c: values[pos[c]].strip() if c in pos else ""  # noqa: E731
        text, group, code, kind = get("text"), get("group"), get("service_code"), get("kind").lower()
        if not text:
            out.errors.append((line, "empty text"))
            continue
        if len(text) > MAX_TEXT:
            out.errors.append((line, f"text longer than {MAX_TEXT} characters"))
            continue
        if code:
            c = taxonomy.get(code) or taxonomy.get(code.upper())
            if c is None:
                out.errors.append((line, f"unknown service code {code!r}"))
                continue
            code = c.code
            if group and group != c.group:
                out.errors.append((line, f"service code {code} is in group {c.group}, not {group!r}"))
                continue
            group = c.group
        if group and group not in taxonomy.groups:
            out.errors.append((line, f"unknown group {group!r}"))
            continue
        if kind and kind not in KINDS:
            out.errors.append((line, f"unknown kind {kind!r} (one of {', '.join(KINDS)})"))
            continue
        if not (group or code) and not kind_only:
            out.errors.append((line, "no group or service code"))
            continue
        key = f"{text}\x00{code or group}"
        if key in seen:
            continue  # the same message with the same label twice counts once
        seen.add(key)
        out.rows.append(TrainingRow(text=text, group=group or None, service_code=code or None, kind=kind or None,
                                    weight=weight))
    return out


def shipped_corpus(taxonomy: Taxonomy, *, weight: float = 1.0) -> list[TrainingRow]:
    """The corpus this project writes (hotline/data/nlu/corpus.csv) plus CrossWOZ questions for the kind only."""
    rows = read_csv(CORPUS, taxonomy, weight=weight).rows
    if CROSSWOZ.exists():
        rows += read_csv(CROSSWOZ, taxonomy, weight=weight, kind_only=True).rows
    return rows
