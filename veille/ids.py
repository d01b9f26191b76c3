"""How a UN document symbol is spelt (no spaces, upper case): the one id convention two rooms
share, the collectors' document ids (`crawlers.ids.document_id`) and the processors' symbol
index (`processors.symbols`). Item ids themselves are made by the collectors: `crawlers/ids.py`.
"""

from __future__ import annotations

import re


def normalise_symbol(symbol: str) -> str:
    return re.sub(r"\s+", "", symbol).upper()
