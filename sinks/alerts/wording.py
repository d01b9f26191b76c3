"""The words of alert messages in the reader's language: label names and the fixed headings.

Why data files (`data/label_names.yaml`, `data/message_words.yaml`) and not code: the names are
reviewed by people who read Arabic or French, not Python, and a label added to
`veille.schema.EVENT_TYPES` must get its three names in one obvious place. Why here, in the
alerts room: alert messages are where a label id (`attack_on_civilians`) first reaches a reader
who should not have to decode it; other sinks showing labels to people read the same names.

A message is written in the alert's language when it is Arabic, French or English, else in
English (`message_language`); Arabic is written right to left (`is_rtl`).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

import yaml

DATA = Path(__file__).with_name("data")
LANGUAGES: tuple[str, ...] = ("en", "fr", "ar")
RTL_LANGUAGES = frozenset({"ar"})
Kind = Literal["event_types", "topics"]


@cache
def _label_names() -> dict[str, dict[str, dict[str, str]]]:
    return yaml.safe_load((DATA / "label_names.yaml").read_text(encoding="utf-8"))


@cache
def _words() -> dict[str, dict[str, str]]:
    return yaml.safe_load((DATA / "message_words.yaml").read_text(encoding="utf-8"))


def message_language(language: str | None) -> str:
    """The language a message about a text in `language` is written in."""
    code = (language or "").split("-")[0].lower()
    return code if code in LANGUAGES else "en"


def is_rtl(language: str | None) -> bool:
    return (language or "").split("-")[0].lower() in RTL_LANGUAGES


def label_name(kind: Kind, label: str, language: str) -> str:
    """`attack_on_civilians` → "Attaque contre des civils" (fr); a label without a name (a
    new one, or a reason line's free text) is shown with spaces for underscores."""
    names = _label_names().get(kind, {}).get(label)
    if not names:
        return label.replace("_", " ")
    return names.get(message_language(language)) or names.get("en") or label.replace("_", " ")


def label_names(kind: Kind) -> dict[str, dict[str, str]]:
    """Every named label of `kind`: {label: {language: name}} (for checks and listings)."""
    return dict(_label_names().get(kind, {}))


def word(key: str, language: str, **values: object) -> str:
    """A fixed word or heading of messages in `language`, with `{placeholders}` filled."""
    entry = _words()[key]
    text = entry.get(message_language(language)) or entry["en"]
    return text.format(**values) if values else text


def word_keys() -> dict[str, dict[str, str]]:
    return dict(_words())
