"""The console's Chinese catalogue is whole: every id of its sources translated, placeholders kept, no bare text.

When one of these fails after a change: `make translations-extract PKG=console`, translate the new ids in
console/translations/zh/LC_MESSAGES/messages.po, then `make translations`.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CONSOLE = ROOT / "console"
PO = CONSOLE / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
# The keywords of the Makefile's translations-extract (the console's lazy forms included).
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "_lp": ((1, "c"), 2),
            "lazy_pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")
# Words a page may show outside the catalogue: the language switch names each language in its own words.
OWN_NAMES = {"English", "中文"}


def _catalogue():
    with PO.open("rb") as f:
        return read_po(f)


def _source_ids() -> set[tuple[str | None, str]]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(CONSOLE), method_map, options_map, keywords=KEYWORDS):
        found.add((context, message if isinstance(message, str) else message[0]))
    return found


def test_every_id_has_a_chinese_translation_with_the_same_placeholders():
    cat = _catalogue()
    messages = [m for m in cat if m.id]
    assert len(messages) > 400
    for m in messages:
        assert not m.fuzzy, m.id
        assert m.string and m.string.strip(), m.id
        assert sorted(PLACEHOLDER.findall(m.id)) == sorted(PLACEHOLDER.findall(m.string)), m.id
        assert re.search(r"[\u4e00-\u9fff]", m.string) or m.id in ("URI", "open311"), m.id  # Chinese, not a copy
    assert not cat.obsolete


def test_the_catalogue_holds_exactly_the_ids_of_the_console_sources():
    in_sources = _source_ids()
    in_catalogue = {(m.context, m.id) for m in _catalogue() if m.id}
    assert in_sources - in_catalogue == set(), "new ids: run make translations-extract PKG=console and translate"
    assert in_catalogue - in_sources == set(), "ids no source uses any more: refresh the catalogue"


class _Words(HTMLParser):
    """Text and the attributes people read, of a template whose Jinja parts were taken out."""

    READ = ("title", "placeholder", "alt", "aria-label", "data-confirm", "label")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.words += [v for k, v in attrs if k in self.READ and v]

    def handle_data(self, data):
        self.words.append(data)


JINJA = re.compile(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", re.S)
# A quoted string inside {{ }} or {% %} that reads as prose (a capital then small letters, or words with spaces)
# and is not the argument of _(): an untranslated label such as {{ 'Dispatch' if ... }}.
LITERAL = re.compile(r"""(['"])((?:(?!\1).)*)\1""")


def _prose(text: str) -> bool:
    return bool(re.search(r"[A-Za-z]{2,}", text)) and (bool(re.match(r"[A-Z][a-z]", text)) or
                                                       bool(re.search(r"[A-Za-z]+ [A-Za-z]+", text)))


def test_no_console_template_shows_words_outside_gettext():
    leftovers = []
    for path in sorted((CONSOLE / "templates").rglob("*.html")):
        source = path.read_text()
        words = _Words()
        words.feed(JINJA.sub(" ", source))
        for text in words.words:
            text = text.strip()
            if text and text not in OWN_NAMES and re.search(r"[A-Za-z]{2,}|[\u4e00-\u9fff]", text):
                leftovers.append((path.name, text))
        for block in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source, re.S):
            for found in LITERAL.finditer(block):  # left to right, so quotes pair up
                translated = block[max(0, found.start() - 2):found.start()] == "_("
                if _prose(found.group(2)) and not translated:
                    leftovers.append((path.name, found.group(2)))
    assert leftovers == []
