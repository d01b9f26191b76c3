"""Keyword queries of alert rules: `(attaque OR attack OR هجوم) AND NOT exercice`.

Syntax (the same operators as `veille search`, so analysts learn one language):

* words and "quoted phrases" (also “…” and «…»); adjacent terms without an operator are ANDed;
* operators ``AND``, ``OR``, ``NOT`` in UPPER case only, and parentheses. Lower-case "or",
  "and", "not" are plain words: French "or" (gold, now) and English "not" are searched for in
  earnest, and FTS5 and Elasticsearch behind `veille search` read them the same way;
* precedence NOT > AND > OR: ``a OR b c`` is ``a OR (b AND c)``.

Matching is on normalised tokens (`processors.normalise`), never on raw strings, so spelling
varies freely: "Ménaka" meets "MENAKA", "attaque" meets "l'attaque" and "attaques",
"الأمم المتحدة" meets "للأمم المتحدة" and "الامم المتحده". A phrase is a run of consecutive
tokens and never spans a sentence break.

How a multilingual term meets the text: the item's title and body are analysed once, under the
rules of the item's detected language, at both levels ("fold" and "stem"); each term is
normalised under *the same* rules, and it matches when its folded tokens occur in the folded
text or its stemmed tokens in the stemmed text. Normalising both sides with one function is
what makes them meet: Arabic-script words get the Arabic rules whatever the item's language,
and a Latin word gets the item's rules on both sides. Normalising a term by a guess of its own
language instead fails where it matters: the French stem of "attaques" ("attaqu") never occurs
in a Bambara or undetermined text, whose words are only folded. Fold catches names whose stems
the stemmer would bend differently (accents read by snowball), stem catches inflections.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from processors.normalise import (
    BREAK,
    LEVELS,
    RULES,
    SEP,
    Analysis,
    analyse,
    phrase_norms,
    rules_for,
)

OPERATORS = ("AND", "OR", "NOT")
_QUOTES = {'"': '"', "“": "”", "«": "»", "„": "“"}
_SPECIAL = set("()") | set(_QUOTES)
_WS = re.compile(r"\s+")


class QueryError(ValueError):
    """A query that cannot be parsed; `position` is the 1-based character it went wrong at."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"at character {position}: {message}")
        self.position = position


# -- syntax tree ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Term:
    """A word or phrase as written, with its norms under every rule set and level."""

    text: str
    quoted: bool
    keys: dict[tuple[str, str], str] = field(compare=False, repr=False)

    def shown(self) -> str:
        return f'"{self.text}"' if self.quoted else self.text


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


Node = Term | Not | And | Or


def _term(text: str, quoted: bool, position: int) -> Term:
    """Pre-computes the term's search keys for every (rules, level): matching is then a
    substring search of ``SEP norm SEP norm SEP`` in the text's joined norms."""
    keys: dict[tuple[str, str], str] = {}
    for rules in RULES:
        for level in LEVELS:
            norms = phrase_norms(text, rules, level)  # leading/trailing breaks off
            if not norms:
                raise QueryError(f"{text!r} has no letters or digits to search for", position)
            if BREAK in norms:
                raise QueryError(f"{text!r} spans a sentence break (. ! ? ;): a phrase never "
                                 "matches across one; split it into two terms", position)
            keys[rules, level] = SEP + SEP.join(norms) + SEP
    return Term(text, quoted, keys)


# -- lexer and parser -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Tok:
    kind: str  # "(", ")", "AND", "OR", "NOT", "TERM"
    pos: int  # 1-based
    text: str = ""
    quoted: bool = False


def _lex(query: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c in "()":
            toks.append(_Tok(c, i + 1))
            i += 1
        elif c in _QUOTES:
            end = query.find(_QUOTES[c], i + 1)
            if end < 0:
                raise QueryError(f"quote {c} is never closed", i + 1)
            phrase = _WS.sub(" ", query[i + 1:end]).strip()
            if not phrase:
                raise QueryError("empty phrase", i + 1)
            toks.append(_Tok("TERM", i + 1, phrase, True))
            i = end + 1
        else:
            j = i
            while j < n and not query[j].isspace() and query[j] not in _SPECIAL:
                j += 1
            word = query[i:j]
            toks.append(_Tok(word if word in OPERATORS else "TERM", i + 1, word))
            i = j
    return toks


class _Parser:
    """Recursive descent: or := and (OR and)* ; and := not (AND? not)* ; not := NOT not | atom."""

    def __init__(self, query: str) -> None:
        self.query = query
        self.toks = _lex(query)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def end_pos(self) -> int:
        return len(self.query) + 1

    def parse(self) -> Node:
        if not self.toks:
            raise QueryError("empty query", 1)
        node = self.or_()
        tok = self.peek()
        if tok is not None:  # only ")" can stop the descent early
            raise QueryError("')' without a matching '('", tok.pos)
        return node

    def or_(self) -> Node:
        children = [self.and_()]
        while (tok := self.peek()) is not None and tok.kind == "OR":
            self.i += 1
            children.append(self.and_(after=tok))
        return children[0] if len(children) == 1 else Or(tuple(children))

    def and_(self, after: _Tok | None = None) -> Node:
        children = [self.not_(after)]
        while (tok := self.peek()) is not None and tok.kind in ("AND", "NOT", "TERM", "("):
            if tok.kind == "AND":
                self.i += 1
                children.append(self.not_(after=tok))
            else:
                children.append(self.not_())
        return children[0] if len(children) == 1 else And(tuple(children))

    def not_(self, after: _Tok | None = None) -> Node:
        tok = self.peek()
        if tok is not None and tok.kind == "NOT":
            self.i += 1
            return Not(self.not_(after=tok))
        return self.atom(after)

    def atom(self, after: _Tok | None) -> Node:
        tok = self.peek()
        wanted = f"a word, a \"phrase\" or '(' after {after.kind}" if after else \
            "a word, a \"phrase\" or '('"
        if tok is None:
            raise QueryError(f"expected {wanted}, found the end of the query", self.end_pos())
        if tok.kind == "TERM":
            self.i += 1
            return _term(tok.text, tok.quoted, tok.pos)
        if tok.kind == "(":
            self.i += 1
            node = self.or_()
            close = self.peek()
            if close is None or close.kind != ")":
                raise QueryError("'(' is never closed", tok.pos)
            self.i += 1
            return node
        if tok.kind in OPERATORS:
            raise QueryError(f"expected {wanted}, found {tok.kind} (to search for the word "
                             f"itself, quote it: \"{tok.kind}\")", tok.pos)
        raise QueryError(f"expected {wanted}, found ')'", tok.pos)


# -- documents and matching -------------------------------------------------------------------
class Document:
    """An item's title and body, analysed once under its language's rules at both levels and
    shared by every rule's query; term results are remembered, so twenty rules naming
    "attaque" search for it once."""

    __slots__ = ("rules", "text", "_analyses", "_found")

    def __init__(self, title: str, body: str, lang: str | None) -> None:
        self.rules = rules_for(lang)
        # A blank line is a sentence break: a phrase never joins the title's end to the body.
        self.text = f"{title}\n\n{body}" if title and body else title or body
        self._analyses: dict[str, Analysis] = {}
        self._found: dict[str, str | None] = {}

    def analysis(self, level: str) -> Analysis:
        an = self._analyses.get(level)
        if an is None:
            an = self._analyses[level] = analyse(self.text, self.rules, level)
        return an

    def find(self, term: Term) -> str | None:
        """The text's own words for the term's first occurrence, or None when absent."""
        cache_key = term.keys[self.rules, "fold"] + term.keys[self.rules, "stem"]
        if cache_key in self._found:
            return self._found[cache_key]
        surface = None
        for level in LEVELS:
            an = self.analysis(level)
            key = term.keys[self.rules, level]
            pos = an.joined.find(key)
            if pos >= 0:
                first = an.joined.count(SEP, 0, pos)
                last = first + key.count(SEP) - 2
                surface = an.text[an.span(first)[0]:an.span(last)[1]]
                break
        self._found[cache_key] = surface
        return surface


class Query:
    """A compiled query: parse once at load, then `match` per item."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = _Parser(text).parse()

    def __repr__(self) -> str:
        return f"Query({self.text!r})"

    def match(self, doc: Document) -> list[str] | None:
        """None when the query does not hold; else the evidence: each term found outside a
        NOT, as written, followed by the text's own words when they differ
        (``attaque (attaques)``)."""
        if not _holds(self.root, doc):
            return None
        evidence: list[str] = []
        for term in positive_terms(self.root):
            surface = doc.find(term)
            if surface is None:
                continue
            shown = term.shown()
            if surface.casefold() != term.text.casefold():
                shown += f" ({surface})"
            if shown not in evidence:
                evidence.append(shown)
        return evidence


def _holds(node: Node, doc: Document) -> bool:
    if isinstance(node, Term):
        return doc.find(node) is not None
    if isinstance(node, Not):
        return not _holds(node.child, doc)
    if isinstance(node, And):
        return all(_holds(c, doc) for c in node.children)
    return any(_holds(c, doc) for c in node.children)


def positive_terms(node: Node) -> list[Term]:
    """The terms a match can show as evidence: every term not under a NOT (a rule's evidence,
    and the words `veille search` highlights)."""
    if isinstance(node, Term):
        return [node]
    if isinstance(node, Not):
        return []
    return [t for c in node.children for t in positive_terms(c)]
