"""UN document symbols and Security Council resolutions cited in a text.

Why: a letter, a report and the meeting coverage about it are tied together by the symbols
they cite (S/2020/476, S/RES/2690 (2023), SC/15577), in any of the three languages; alert
rules and Kibana filter on them. Symbols are written in Latin letters in Arabic texts too.

Every symbol is spelt by `veille.ids.normalise_symbol` (no spaces, upper case), the spelling
of item ids, so "S/RES/2690 (2023)" becomes "S/RES/2690(2023)" and can be compared to ids.

Resolutions cited by number ("resolution 2690 (2023)", "résolution 2690", "القرار 2690",
"resolutions 2640 (2022) and 2690 (2023)") are Security Council resolutions, the ones the
monitoring of Mali meets: they become "S/RES/2690(2023)", or "S/RES/2690" when no year is
given. General Assembly and Human Rights Council resolutions ("resolution 77/1") are kept only
when written as symbols (A/RES/77/1): by number alone the organ is ambiguous. When a
resolution appears both with and without its year, only the spelling with the year is kept.
"""

from __future__ import annotations

import re

from veille.ids import normalise_symbol

# Series the monitoring meets: Security Council and General Assembly documents, ECOSOC,
# Secretariat, and the press-release codes (SC/, SG/SM/, GA/, and French CS/, AG/).
_SERIES = r"(?:S|A|E|ST|SC|CS|SG|GA|AG|DSG|HRC|ECOSOC|UNEP|IHA|AFR|OBV|PI)"
_SEGMENT = r"(?:[A-Z][A-Za-z]*(?:\.\d+)?|\d+(?:\.\d+)?)"
_SYMBOL = re.compile(
    rf"(?<![\w/]){_SERIES}(?:/{_SEGMENT}){{1,6}}"
    r"(?:-(?:SC|CS|SG|GA|AG|AFR|OBV|IHA|DSG)/\d+)*"  # SG/SM/21234-SC/15000-AFR/3000
    r"(?:\s?\((?:19|20)\d\d\))?"  # S/RES/2690 (2023)
    r"(?![\w/])"
)
_BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INDIC = re.compile("[٠-٩۰-۹]")
_ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")

_NUMBER = r"(\d{1,4})(?:\s?\(((?:19|20)\d\d)\))?"
_LIST = rf"{_NUMBER}(?:\s*(?:,|and|et|و|،)\s*(?:(?:resolution|résolution|القرار)\s+)?{_NUMBER})*"
_RESOLUTION = re.compile(
    r"(?<!\w)(?:resolutions?|r[ée]solutions?|[وفبل]{0,2}(?:ال|ل)?قرار(?:ين|ات|ي)?)"
    r"(?:\s+(?:du|of\s+the|de\s+l[a']?|n[o°º]\.?|no\.|number|numéro|رقم|مجلس\s+الأمن|"
    r"Security\s+Council|Conseil\s+de\s+s[ée]curit[ée]|التابع\s+لمجلس\s+الأمن))*"
    rf"\s*{_LIST}",
    re.IGNORECASE,
)
_ITEM = re.compile(_NUMBER)


def extract_symbols(text: str) -> list[str]:
    """UN symbols and resolutions cited in `text`, normalised, in order of first appearance."""
    if not text:
        return []
    # The regexes run only where a symbol can start (before a "/", at "résolution" or "قرار"):
    # scanning a whole article with them costs ten times more than these substring searches.
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowers to two characters: keep offsets exact
        lowered = text
    if "/" not in text and "solution" not in lowered and "قرار" not in text:
        return []
    if _BIDI.search(text):
        text = _BIDI.sub("", text)
        lowered = text.lower() if len(text.lower()) == len(text) else text
    if _INDIC.search(text):
        text = text.translate(_ARABIC_DIGITS)
    found: list[tuple[int, str]] = []
    end = 0
    for slash in _positions(text, "/"):
        start = slash
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] in "./-"):
            start -= 1
        if start < end:
            continue
        m = _SYMBOL.match(text, start)
        if m and any(ch.isdigit() for ch in m.group(0)):
            found.append((m.start(), normalise_symbol(m.group(0))))
            end = m.end()
    for at in sorted([*_positions(lowered, "solution"), *_positions(text, "قرار")]):
        start = at
        while start > 0 and text[start - 1].isalpha():
            start -= 1
        m = _RESOLUTION.match(text, start)
        if m is None:
            continue
        for item in _ITEM.finditer(m.group(0), m.start(1) - m.start()):
            number, year = item.group(1), item.group(2)
            if number.startswith("0"):
                continue
            symbol = f"S/RES/{int(number)}({year})" if year else f"S/RES/{int(number)}"
            found.append((m.start() + item.start(), symbol))
    found.sort()
    symbols = list(dict.fromkeys(symbol for _, symbol in found))
    dated = {s.split("(")[0] for s in symbols if "(" in s}
    return [s for s in symbols if "(" in s or s not in dated]


def _positions(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found
