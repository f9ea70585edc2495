"""The French and Spanish catalogues are complete and compiled as committed (README, Languages).

No GNU gettext here: the marked messages are read from the code with `ast` and from the
templates with Django's own `templatize` (what `makemessages` hands to xgettext), and the
catalogues with polib.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation.template import templatize

ROOT = Path(settings.BASE_DIR)
PACKAGES = ["core", "imports", "gfmd", "countries", "practices", "subscriptions", "opendata"]
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]

# The calls makemessages reads, and where their context and message are among the arguments.
KEYWORDS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}
TEMPLATE_CALL = re.compile(r"(?<!\w)(_|n?p?gettext)\(")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

Message = tuple[str | None, str]  # (context, message)


def _call_messages(tree: ast.AST) -> set[Message]:
    found = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in KEYWORDS:
            continue
        context_at, message_at = KEYWORDS[name]
        args = [arg.value if isinstance(arg, ast.Constant) else None for arg in node.args]
        if len(args) <= message_at or not isinstance(args[message_at], str):
            continue
        context = args[context_at] if context_at is not None else None
        if context_at is None or isinstance(context, str):
            found.add((context, args[message_at]))
    return found


def _template_messages(text: str) -> set[Message]:
    """The gettext calls of a templatized template, each parsed as Python."""
    found = set()
    for match in TEMPLATE_CALL.finditer(text):
        end = match.end()
        while (end := text.find(")", end) + 1) > 0:
            try:
                call = ast.parse(text[match.start() : end], mode="eval")
            except SyntaxError:
                continue
            found |= _call_messages(call)
            break
    return found


@cache
def marked_messages() -> frozenset[Message]:
    found: set[Message] = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found |= _call_messages(ast.parse(path.read_text(encoding="utf-8")))
    for path in (ROOT / "templates").rglob("*"):
        if path.suffix in {".html", ".txt"}:
            source = path.read_text(encoding="utf-8")
            found |= _template_messages(templatize(source, origin=str(path)))
    return frozenset(found)


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.po"))


def translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_the_reader_finds_what_makemessages_finds():
    """The reader above is what the other tests rely on: it finds marked strings of every
    kind (template tags and blocks with context and plural, Python calls with context)."""
    messages = marked_messages()
    assert ("forum year", "Chair") in messages  # blocktranslate count … context
    assert (None, "Skip to content") in messages  # translate
    assert (None, "GFMD %(year)s") in messages  # blocktranslate with
    assert ("thematic meeting line", "Co-Chair in") in messages  # pgettext_lazy
    assert (None, "No Financial Contribution") in messages  # gettext as _
    assert ("date format", "j F Y") in messages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_in_the_catalogue(language):
    """A string marked in the code or a template and missing from the catalogue (run
    makemessages, README, Languages), or left in it after it went from the code."""
    in_catalogue = {(entry.msgctxt, entry.msgid) for entry in catalogue(language)}
    assert sorted(marked_messages() - in_catalogue, key=str) == []
    assert sorted(in_catalogue - marked_messages(), key=str) == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_fuzzy(language):
    po = catalogue(language)
    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in po if not all(translations(e))] == []
    assert [e.msgid for e in po if e.fuzzy] == []
    assert [e.msgid for e in po if e.obsolete] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_the_placeholders(language):
    wrong = []
    for entry in catalogue(language):
        wanted = set(PLACEHOLDER.findall(entry.msgid + (entry.msgid_plural or "")))
        *singular, plural = translations(entry)
        # A singular may leave the count out ("this practice" for "these 3 practices").
        if set(PLACEHOLDER.findall(plural)) != wanted or any(
            not set(PLACEHOLDER.findall(text)) <= wanted for text in singular
        ):
            wrong.append(entry.msgid)
    assert wrong == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_current(language):
    """The committed .mo holds exactly the .po's translations (compile after every edit)."""
    compiled = polib.mofile(str(ROOT / "locale" / language / "LC_MESSAGES" / "django.mo"))

    def contents(entries) -> dict:
        return {
            (e.msgctxt, e.msgid, e.msgid_plural or ""): tuple(translations(e))
            for e in entries
            if e.msgid
        }

    assert contents(compiled) == contents(catalogue(language))
