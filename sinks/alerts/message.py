"""What an alert message says, before any channel's syntax: the one reading of an alert that
the e-mail (HTML and plain text), Slack/Mattermost, Teams and webhook formats all render.

Why one view: a reader should find the same things in the same order whichever channel they
use — the title linked, the severity on a 0–100 scale with its band and colour, where
(place and region), what (event types in words, in the alert's language), the words of the
text that gave them, the story's other reports, and why the rule matched — and a fix (a band
boundary, a label name) should land once. Channels only escape and lay it out.

Severity bands (0–100, `enrichment.severity.score`): low < 25 ≤ moderate < 50 ≤ high < 75 ≤
severe. The scale is the classifier's (processors/data/severity.yaml): a killing with a toll
scores 70–90, a statement or a meeting under 25.

Nothing here escapes: values stay as the alert holds them (control characters removed from
one-line fields); each format escapes for where they land.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sinks.alerts.model import Alert, DigestEntry, Report
from sinks.alerts.wording import is_rtl, label_name, label_names, message_language, word
from veille.textsafe import is_safe_url

# Control characters, and the bidi embeddings, overrides and isolates (U+202A–E, U+2066–9): a
# title holding U+202E would otherwise reverse the rest of the line it is shown in.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str | None) -> str:
    """No newlines, control or bidi-override characters: for titles, subjects, headers and
    table cells."""
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", text or "")).strip()


_RTL_LETTER = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def isolate(text: str) -> str:
    """Text holding right-to-left letters wrapped in Unicode's first-strong isolate (U+2068 …
    U+2069): inside a left-to-right line (an Arabic title in a chat client, a field value) it
    keeps its own direction, so its punctuation stays with it instead of jumping to the other
    end. Text without such letters is returned as it is."""
    return f"\u2068{text}\u2069" if text and _RTL_LETTER.search(text) else text


def multiline(text: str | None) -> list[str]:
    """A summary's lines, each cleaned like `one_line`, blank ones dropped."""
    return [line for line in (one_line(x) for x in (text or "").splitlines()) if line]


def safe_link(url: str | None) -> str | None:
    """Only http(s) links become clickable: a `javascript:` URL in a feed must stay text."""
    return url if url and is_safe_url(url) else None


# -- severity -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Band:
    """One band of the 0–100 severity scale: from `floor` up to the next band's floor."""

    name: str
    floor: int
    colour: str  # background of the badge and of the e-mail's top strip; Slack's bar
    ink: str  # text on that background (dark on amber, white on the rest: readable contrast)
    teams: str  # the Adaptive Card TextBlock colour


BANDS: tuple[Band, ...] = (
    Band("low", 0, "#607d8b", "#ffffff", "Default"),
    Band("moderate", 25, "#f0b400", "#1f2933", "Accent"),
    Band("high", 50, "#e8590c", "#ffffff", "Warning"),
    Band("severe", 75, "#c92a2a", "#ffffff", "Attention"),
)


def band(severity: int) -> Band:
    """The band a 0–100 severity falls in (values outside the scale are clamped)."""
    found = BANDS[0]
    for b in BANDS:
        if severity >= b.floor:
            found = b
    return found


def band_legend(language: str) -> str:
    """`Severity 0–100: low < 25 ≤ moderate < 50 ≤ high < 75 ≤ severe`, in `language`."""
    parts = [word(f"band_{BANDS[0].name}", language)]
    for b in BANDS[1:]:
        parts.append(f"< {b.floor} ≤ {word(f'band_{b.name}', language)}")
    return f"{word('severity', language)} 0–100: " + " ".join(parts)


# -- what the stage puts in an alert --------------------------------------------------------
def alert_facts(enrichment: Any) -> dict[str, Any]:
    """The fields of an alert that only messages read, from an item's enrichment: each place's
    region and the words that gave each event type and topic (`sinks.alerts.stage`)."""
    if enrichment is None:
        return {}
    regions: dict[str, str] = {}
    for p in enrichment.places:
        where = p.admin1 if p.country == "ML" else p.country
        if where and where != p.name:
            regions.setdefault(p.name, where)
    evidence = {lab.label: list(lab.evidence) for lab in (*enrichment.event_types, *enrichment.topics)
                if lab.evidence}
    return {"regions": regions, "evidence": evidence}


def digest_entries(held: Sequence[Alert]) -> list[DigestEntry]:
    """How a digest carries its alerts (`sinks.alerts.stage.digest_alert`): most severe first,
    then in the order they were held (oldest first)."""
    return [digest_entry(a) for a in sorted(held, key=lambda a: -a.severity)]


def digest_entry(alert: Alert) -> DigestEntry:
    return DigestEntry(
        alert_id=alert.id, item_id=alert.item_id, title=alert.title, url=alert.url,
        source=alert.source + (f" ({alert.issuer})" if alert.issuer else ""),
        language=alert.language, published_at=alert.published_at, severity=alert.severity,
        places=[_place(p, alert.regions) for p in alert.places], event_types=list(alert.event_types),
        reasons=list(alert.reasons),
    )


# -- the view -------------------------------------------------------------------------------
@dataclass
class Labelled:
    """An event type or topic in words, with the text's words that gave it."""

    id: str
    name: str
    evidence: list[str] = field(default_factory=list)


@dataclass
class Link:
    """A report to list: its title (linked when `url`), source, language, date."""

    title: str
    url: str | None
    source: str
    language: str  # the report's language code ("" when unknown)
    published: str
    rtl: bool
    severity: int | None = None
    band: Band | None = None
    details: str = ""  # a digest line's places and event types
    more: bool = False  # not a report: the "… n more" line of a list cut to fit a payload


@dataclass
class Message:
    language: str  # what the message is written in (en, fr, ar)
    rtl: bool  # the message's direction (Arabic)
    text_language: str  # the alert's text language ("" when unknown): the `lang` of its title
    text_rtl: bool
    digest: bool
    rule: str
    title: str
    url: str | None
    severity: int
    band: Band
    band_name: str
    where: str  # places with their regions, one line
    facts: list[tuple[str, str]]  # (heading in the message language, value), empty ones left out
    labels: list[Labelled]
    summary: str
    reports: list[Link]
    entries: list[Link]
    reasons: list[str]
    footer: str
    legend: str

    def w(self, key: str, **values: Any) -> str:
        """A fixed word of messages in this message's language."""
        return word(key, self.language, **values)

    @property
    def colon(self) -> str:
        return word("colon", self.language)

    @property
    def comma(self) -> str:
        return word("comma", self.language)

    @property
    def summary_lines(self) -> list[str]:
        return multiline(self.summary)

    @property
    def evidence(self) -> list[Labelled]:
        """The labels that carry the words of the text that gave them."""
        return [lab for lab in self.labels if lab.evidence]

    @property
    def severity_word(self) -> str:
        """"Severity", or for a digest "Highest severity" (its top alert's)."""
        return self.w("highest_severity" if self.entries else "severity")

    @property
    def severity_line(self) -> str:
        """`Severity 84/100 — severe` in the message language."""
        return f"{self.severity_word} {self.severity}/100 — {self.band_name}"


def _place(name: str, regions: dict[str, str]) -> str:
    region = regions.get(name)
    return f"{name} ({region})" if region else name


def fmt_time(t: datetime | None, language: str) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if t else word("undated", language)


def _lang(code: str | None) -> str:
    return "" if not code or code == "und" else code


def _names(kind: Any, labels: Iterable[str], language: str) -> list[str]:
    return [label_name(kind, label, language) for label in labels]


def _report_link(r: Report, language: str) -> Link:
    if not r.item_id and not r.url:  # the "… n more" line a payload cut to its limit ends with
        return Link(title=one_line(r.title), url=None, source="", language="", published="",
                    rtl=False, more=True)
    return Link(title=one_line(r.title) or r.item_id, url=safe_link(r.url), source=one_line(r.source),
                language=_lang(r.language), published=fmt_time(r.published_at, language),
                rtl=is_rtl(r.language))


def _entry_link(e: DigestEntry, language: str) -> Link:
    link = _report_link(e, language)
    if link.more:
        return link
    link.severity, link.band = e.severity, band(e.severity)
    # Event types in the entry's own language when it has names in it, as the alert would be.
    comma = word("comma", language)
    details = [comma.join(e.places), comma.join(_names("event_types", e.event_types, e.language))]
    link.details = " · ".join(d for d in details if d)
    return link


def digest_language(entries: Sequence[DigestEntry], fallback: str) -> str:
    """A digest is written in the language most of its alerts are in (first seen on a tie)."""
    counts = Counter(message_language(e.language) for e in entries)
    if not counts:
        return message_language(fallback)
    return counts.most_common(1)[0][0]


def _label_words(line: str, language: str) -> str:
    """A reason line with the label ids it names in words (`event_types: attack_on_civilians
    (attaque)` → `event_types: Attack on civilians (attaque)`); the condition keys stay, they
    are the rules file's words."""
    def name(match: re.Match[str]) -> str:
        label = match.group(0)
        kind = "event_types" if label in label_names("event_types") else "topics"
        return label_name(kind, label, language)

    return _label_pattern().sub(name, line)


def _label_pattern() -> re.Pattern[str]:
    ids = [*label_names("event_types"), *label_names("topics")]
    return re.compile(r"(?<![\w-])(?:" + "|".join(sorted(map(re.escape, ids), key=len, reverse=True)) + r")(?![\w-])")


def view(alert: Alert) -> Message:
    """The alert as every channel shows it (see the module doc)."""
    digest = alert.mode == "digest" and alert.story_id == "digest"
    language = digest_language(alert.entries, alert.language) if digest else message_language(alert.language)
    level = band(alert.severity)
    places = [_place(p, alert.regions) for p in alert.places]
    labels = [Labelled(x, label_name("event_types", x, language), alert.evidence.get(x, []))
              for x in alert.event_types]
    labels += [Labelled(x, label_name("topics", x, language), alert.evidence.get(x, []))
               for x in alert.topics]
    comma = word("comma", language)
    title = one_line(alert.title) or alert.item_id
    if digest and alert.entries:
        n = len(alert.entries)
        title = word("digest_one", language, rule=alert.rule) if n == 1 else word(
            "digest_title", language, n=n, rule=alert.rule)
    facts: list[tuple[str, str]] = [
        (word("event_types", language), comma.join(lab.name for lab in labels if lab.id in alert.event_types)),
        (word("topics", language), comma.join(lab.name for lab in labels if lab.id in alert.topics)),
        (word("places", language), comma.join(places)),
    ]
    if not (digest and alert.entries):  # a digest's items each say their own source and language
        facts += [
            (word("source", language), one_line(alert.source + (f" ({alert.issuer})" if alert.issuer else ""))),
            (word("published", language), fmt_time(alert.published_at, language) if alert.published_at else ""),
            (word("language", language), _lang(alert.language)),
        ]
    facts.append((word("rule", language), alert.rule))
    footer_key = "digest_footer" if digest else "alert_footer"
    return Message(
        language=language, rtl=is_rtl(language),
        text_language=_lang(alert.language) if not digest else "", text_rtl=not digest and is_rtl(alert.language),
        digest=digest, rule=alert.rule, title=title,
        url=None if digest and alert.entries else safe_link(alert.url),
        severity=alert.severity, band=level, band_name=word(f"band_{level.name}", language),
        where="" if digest and alert.entries else comma.join(places), facts=[(k, one_line(v)) for k, v in facts if v], labels=labels,
        summary="" if digest and alert.entries else (alert.summary or "").strip(),
        reports=[_report_link(r, language) for r in alert.reports if r.item_id != alert.item_id],
        entries=[_entry_link(e, language) for e in alert.entries],
        reasons=[] if digest and alert.entries else [_label_words(one_line(r), language) for r in alert.reasons],
        footer=word(footer_key, language, alert=alert.id, item=alert.item_id),
        legend=band_legend(language),
    )
