"""Dates as sources write them: ISO stamps, RFC 822, and French or Arabic prose.

Machine-readable stamps are parsed directly; prose ("3 févr. 2024", "24 سبتمبر 2019") goes to
dateparser with the page's language first. A date without a zone is taken as UTC, which is
Mali's time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import dateparser

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_SETTINGS = {
    "RETURN_AS_TIMEZONE_AWARE": True,
    "TIMEZONE": "UTC",
    "TO_TIMEZONE": "UTC",
    "PREFER_DAY_OF_MONTH": "first",
    "DATE_ORDER": "DMY",
    "REQUIRE_PARTS": ["month", "year"],
}


def parse_date(text: str | None, lang: str | None = None) -> datetime | None:
    if not text:
        return None
    value = " ".join(text.translate(_ARABIC_DIGITS).split())
    if not value:
        return None
    if _ISO.match(value):
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            when = None
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    try:
        when = parsedate_to_datetime(value)
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    except (TypeError, ValueError, IndexError):
        pass
    languages = [lang] if lang in ("fr", "ar", "en") else None
    when = dateparser.parse(value, languages=languages, settings=_SETTINGS)
    if when is None and languages:
        when = dateparser.parse(value, languages=["fr", "ar", "en"], settings=_SETTINGS)
    return when
