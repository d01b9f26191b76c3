"""Infers a page's document type from its title, with rules analysts can edit (doc_types.yaml)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from veille.schema import DocType


@lru_cache(maxsize=1)
def _rules() -> list[tuple[DocType, re.Pattern[str]]]:
    data = yaml.safe_load((Path(__file__).with_name("doc_types.yaml")).read_text(encoding="utf-8"))
    return [(DocType(kind), re.compile(p, re.I)) for kind, patterns in data.items() for p in patterns]


def infer_doc_type(title: str, default: DocType) -> DocType:
    for kind, pattern in _rules():
        if pattern.search(title):
            return kind
    return default
