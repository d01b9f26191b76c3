"""One search model for both item stores: what `veille search` asks, parsed and checked once.

The words use the syntax of alert-rule queries (`sinks.alerts.query`: words, "phrases", AND,
OR, NOT and parentheses, operators in upper case only, NOT > AND > OR), so analysts learn one
language and a query that parses here parses in `rules.yaml`. The parse tree is translated by
each store: an FTS5 MATCH expression in `sinks.sqlite_store`, a bool query in
`sinks.es_store`. Both read every term as a phrase of its words (`S/2020/476` is S 2020 476),
so the two engines agree on what a query means; they differ only in analysis (Elasticsearch
also stems French, English and Arabic when the cluster has the analyzers).

A search lists what it finds, so NOT only removes from something found beside it
(`Kidal NOT Gao`): `NOT Gao` alone or `Kidal OR NOT Gao` asks for "everything but", which
neither FTS5 nor a ranked list can give; they are refused with the fix.

Filters narrow either store the same way: `since` (publication date, else collection date,
as the brief reads time), source keys, identified languages, event-type labels and places
(a place's name, region or cercle, case and accents ignored). Several values of one filter
are alternatives; different filters all apply.

Matched words come back between `MARK` and `END_MARK` (two private-use characters no page
holds), never between brackets: printed text keeps its own `[` and `]`, and the terminal
shows the matches in a style (`marked_parts`); `--json` gives the snippet plain with the
matched words beside it (`Hit.document`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sinks.alerts.conditions import fold
from sinks.alerts.query import (
    And,
    Node,
    Not,
    Or,
    Query,
    QueryError,
    Term,
    positive_terms,  # the same walk as a rule's evidence
)
from veille.durations import EXAMPLES, parse_duration

MARK, END_MARK = "\ue000", "\ue001"
_MARKED = re.compile(f"{MARK}(.*?){END_MARK}", re.S)
MAX_LIMIT = 1000


class QuerySyntaxError(ValueError):
    """A search the stores cannot run; the message is one line saying what is wrong and the fix."""


@dataclass(frozen=True)
class SearchQuery:
    """Words (None: filters only, newest first) and filters, checked; each store translates it."""

    text: str = ""
    root: Node | None = None
    since: datetime | None = None
    sources: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    limit: int = 20

    @property
    def filtered(self) -> bool:
        return bool(self.since or self.sources or self.langs or self.event_types or self.places)

    def terms(self) -> list[Term]:
        """The terms a hit contains (those outside a NOT), in query order."""
        return positive_terms(self.root) if self.root is not None else []


def search_query(text: str | None, *, since: str | None = None, sources: list[str] | None = None,
                 langs: list[str] | None = None, event_types: list[str] | None = None,
                 places: list[str] | None = None, limit: int = 20,
                 now: datetime | None = None) -> SearchQuery:
    """The checked query; QuerySyntaxError (one line, with the fix) for a query or an option
    the stores cannot run."""
    text = (text or "").strip()
    root = parse_words(text) if text else None
    query = SearchQuery(
        text=text, root=root, since=parse_since(since, now) if since else None,
        sources=_values(sources), langs=_values(langs, lower=True),
        event_types=_values(event_types), places=_values(places), limit=limit,
    )
    if root is None and not query.filtered:
        raise QuerySyntaxError("search needs words or a filter (--since, --source, --lang, "
                               "--event-type, --place), e.g. veille search Kidal")
    if not 1 <= limit <= MAX_LIMIT:
        raise QuerySyntaxError(f"--limit {limit}: give a number from 1 to {MAX_LIMIT}")
    return query


def parse_words(text: str) -> Node:
    """The parse tree of the words, checked for what a search can list."""
    shown = text if len(text) <= 80 else text[:79] + "…"
    try:
        root = Query(text).root
    except QueryError as exc:
        raise QuerySyntaxError(f"search {shown!r}: {exc}; e.g. Kidal AND Gao, "
                               "(Kidal OR Gao) NOT Ménaka") from None
    _check_negation(root, shown)
    return root


def _check_negation(node: Node, shown: str) -> None:
    """NOT only inside an AND that also has something to find."""
    if isinstance(node, Not):
        raise QuerySyntaxError(
            f"search {shown!r}: NOT needs a word before it to exclude from (Kidal NOT Gao: items "
            'with Kidal but not Gao); to search the word itself, quote it: "NOT"')
    if isinstance(node, And):
        if all(isinstance(c, Not) for c in node.children):
            raise QuerySyntaxError(
                f"search {shown!r}: only NOT terms, nothing to find; add a word before NOT "
                '(Kidal NOT Gao), or quote it to search the word itself: "NOT"')
        for child in node.children:
            _check_negation(child.child if isinstance(child, Not) else child, shown)
    elif isinstance(node, Or):
        for child in node.children:
            _check_negation(child, shown)


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`7d` (a duration back from now) or `2024-03-01` / `2024-03-01T12:00Z` (naive = UTC)."""
    try:
        return (now or datetime.now(UTC)) - parse_duration(text)
    except ValueError:
        pass
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise QuerySyntaxError(f"--since {text!r}: give a duration back from now ({EXAMPLES}) "
                               "or a date (2024-03-01)") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def fold_place(name: str | None) -> str:
    """A place name as the filter compares it: case, accents and Arabic spelling folded, as
    alert rules compare places (`sinks.alerts.conditions.fold`)."""
    return fold(name) if name else ""


def _values(values: list[str] | None, *, lower: bool = False) -> tuple[str, ...]:
    """Repeated options, and comma-separated values in one (`--lang fr,ar`)."""
    out: list[str] = []
    for value in values or []:
        for part in value.split(","):
            part = part.strip().lower() if lower else part.strip()
            if part and part not in out:
                out.append(part)
    return tuple(out)


# -- hits --------------------------------------------------------------------------------------
@dataclass
class Hit:
    """One item found: its JSON, and its title and snippet with the matches marked."""

    item: dict[str, Any]
    title: str
    snippet: str
    score: float | None = None  # the engine's relevance (Elasticsearch's _score); None in SQLite

    def matched(self) -> list[str]:
        """The text's own words for each match, distinct, in order of appearance."""
        seen: list[str] = []
        for text in (self.title, self.snippet):
            for word in _MARKED.findall(text):
                if word not in seen:
                    seen.append(word)
        return seen

    def document(self) -> dict[str, Any]:
        """What `veille search --json` prints: the item without its body, the snippet plain,
        and the matched words."""
        doc = {k: v for k, v in self.item.items() if k != "body"}
        return {**doc, "snippet": unmark(self.snippet), "matched": self.matched()}


def marked_parts(text: str) -> list[tuple[str, bool]]:
    """(piece, is a match) in order, for printing matches in a style."""
    parts: list[tuple[str, bool]] = []
    at = 0
    for m in _MARKED.finditer(text):
        if m.start() > at:
            parts.append((text[at:m.start()], False))
        parts.append((m.group(1), True))
        at = m.end()
    if at < len(text):
        parts.append((text[at:], False))
    return [(p.replace(MARK, "").replace(END_MARK, ""), hit) for p, hit in parts]


def unmark(text: str) -> str:
    return text.replace(MARK, "").replace(END_MARK, "")


def mark_first(text: str, terms: list[Term], width: int = 80) -> str:
    """About `width` characters of `text` around the first term found (case ignored), marked;
    else its start. For bodies too long for an engine's highlighter."""
    folded = text.casefold()
    for term in terms:
        word = term.text.casefold()
        at = folded.find(word) if word else -1
        if at >= 0:
            start = max(at - width // 2, 0)
            end = at + len(word)
            return ("…" if start else "") + text[start:at] + MARK + text[at:end] + END_MARK + \
                text[end:end + width // 2] + "…"
    return text[:width] + ("…" if len(text) > width else "")
