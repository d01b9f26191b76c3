"""The bodies of alert e-mails: HTML (a jinja2 template, `templates/email.html`) and plain text,
both from the one view of the alert (`sinks.alerts.message.view`).

Why a template with autoescape: every value shown comes from scraped pages (titles can hold
markup, scripts, control characters); jinja2 escapes each one where it is written, so
escaping cannot be forgotten on one field. Why tables and inline styles: Gmail, Outlook and
Apple Mail drop `<style>` blocks and ignore flex; a table layout with inline CSS renders the
same in all of them. Arabic messages get `dir="rtl"` and `lang="ar"` on the document and the
message table, so punctuation and lists sit where an Arabic reader expects them.
"""

from __future__ import annotations

from functools import cache

import jinja2

from sinks.alerts.message import Message

_FONT = "font-family:Arial,Helvetica,'Segoe UI',Tahoma,sans-serif;"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sinks.alerts", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )


def html(m: Message) -> str:
    styles = {"font": _FONT, "start": "right" if m.rtl else "left"}
    return _environment().get_template("email.html").render(m=m, s=styles)


def text(m: Message) -> str:
    """The plain-text part: the same content in the same order, one fact a line. Plain-text
    readers set each paragraph's direction from its first strong letter, so the Arabic
    headings make Arabic lines right-to-left without marks."""
    lines = [m.title]
    if m.url:
        lines.append(m.url)
    lines += ["", m.severity_line + (f" · {m.where}" if m.where else "")]
    if m.summary_lines:
        lines += ["", *m.summary_lines]
    for e in m.entries:
        if e.more:
            lines += ["", e.title]
            continue
        lines += ["", f"[{e.severity}] {e.title}"]
        if e.url:
            lines.append(f"  {e.url}")
        meta = [e.source, e.language, e.published, e.details]
        lines.append("  " + " · ".join(x for x in meta if x))
    if m.facts:
        lines += ["", *(f"{k}{m.colon}{v}" for k, v in m.facts)]
    if m.evidence:
        lines += ["", m.w("evidence") + m.colon.rstrip()]
        lines += [f"- {lab.name}{m.colon}{m.comma.join(lab.evidence)}" for lab in m.evidence]
    if m.reports:
        lines += ["", m.w("other_reports") + m.colon.rstrip()]
        for r in m.reports:
            if r.more:
                lines.append(r.title)
                continue
            meta = " · ".join(x for x in (r.source, r.language, r.published) if x)
            lines.append(f"- {r.title} — {meta}")
            if r.url:
                lines.append(f"  {r.url}")
    if m.reasons:
        lines += ["", m.w("why") + m.colon.rstrip(), *(f"- {r}" for r in m.reasons)]
    lines += ["", m.legend, m.footer]
    return "\n".join(lines) + "\n"
