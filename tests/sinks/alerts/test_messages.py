"""Issue 15, point 2: alert messages a person reads at a glance, checked on real alerts (the
classifier and the alert engine, tests/sinks/alerts/message_samples.py): digests list each
item with its own link, source and language; Arabic reads right to left; severity colours
follow a 0–100 scale; event types are words in the alert's language; evidence and the story's
other reports are shown; hostile text stays text and payloads stay within their limits; and
the e-mail HTML renders in headless Chromium."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest
from PIL import Image

from sinks.alerts import channels
from sinks.alerts.message import BANDS, band
from sinks.alerts.model import Alert, DigestEntry, EmailChannel
from tests.sinks.alerts.message_samples import classified, raised
from tests.support.chromium import probed, screenshot

MAIL = EmailChannel(type="email", to=["desk@example.org"])


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Alert, Alert]:
    """(an Arabic alert with its story's other reports, a French digest of five alerts)."""
    return raised(classified(), tmp_path_factory.mktemp("engine"))


def _parts(alert: Alert) -> dict[str, str]:
    msg = channels.format_email(alert, MAIL, "key")
    return {p.get_content_type(): p.get_content() for p in msg.walk() if not p.is_multipart()}


def _doc(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


# -- digests ----------------------------------------------------------------------------------
def test_a_digest_lists_each_item_with_its_own_link_source_and_language(sample) -> None:
    _, digest = sample
    entries = digest.entries
    assert len(entries) == 5 and len({e.url for e in entries}) == 5
    assert [e.severity for e in entries] == sorted((e.severity for e in entries), reverse=True)
    assert {e.source for e in entries} == {"studio-tamani", "maliweb", "bbc-afrique"}

    parts = _parts(digest)
    doc = _doc(parts["text/html"])
    for e in entries:
        [link] = doc.xpath(f"//a[@href='{e.url}']")
        assert link.text_content() == e.title
        row = link.xpath("ancestor::tr[1]")[0].text_content()
        assert e.source in row and " fr " in row, row  # its own source and language
        assert parts["text/plain"].count(e.url) == 1
    # the top item's source is not repeated on the other lines
    assert doc.text_content().count("maliweb") == 1 and doc.text_content().count("bbc-afrique") == 1
    assert "5 alertes pour la règle desk-fr" in doc.xpath("//h1")[0].text_content()
    assert channels.subject(digest) == "[veille] desk-fr: 5 alertes pour la règle desk-fr"

    slack = channels.format_slack(digest)["attachments"]
    assert [a.get("title_link") for a in slack[1:]] == [e.url for e in entries]
    assert all(e.source in a["text"] and " fr " in a["text"] for a, e in zip(slack[1:], entries, strict=True))

    card = json.dumps(channels.format_teams(digest), ensure_ascii=False)
    assert all(f"]({e.url})" in card for e in entries)
    hook = json.loads(channels.format_webhook(digest, "key"))
    assert [(x["url"], x["source"], x["language"]) for x in hook["entries"]] == \
        [(e.url, e.source, "fr") for e in entries]


# -- direction --------------------------------------------------------------------------------
def test_an_arabic_alert_reads_right_to_left_and_a_french_one_left_to_right(sample) -> None:
    arabic, digest = sample
    doc = _doc(_parts(arabic)["text/html"])
    assert doc.get("dir") == "rtl" and doc.get("lang") == "ar"
    [table] = doc.xpath("//table[@dir]")
    assert table.get("dir") == "rtl"
    [h1] = doc.xpath("//h1")
    assert h1.get("dir") == "rtl" and h1.get("lang") == "ar" and "right" in h1.get("style")
    [summary] = doc.xpath("//p[@lang='ar']")
    assert summary.get("dir") == "rtl" and "ميناكا" in summary.text_content()
    # headings are Arabic too, not English labels in a right-to-left page
    assert "أنواع الأحداث" in doc.text_content() and "Event types" not in doc.text_content()

    french = _doc(_parts(digest)["text/html"])
    assert french.get("dir") == "ltr" and french.get("lang") == "fr"

    slack = channels.format_slack(arabic)
    assert slack["attachments"][0]["title"] == f"\u2068{arabic.title}\u2069"  # isolated in LTR Slack
    card = channels.format_teams(arabic)["attachments"][0]["content"]
    assert card["rtl"] is True
    assert card["body"][1]["rtl"] is True and card["body"][1]["items"][0]["horizontalAlignment"] == "Right"
    assert channels.format_teams(digest)["attachments"][0]["content"].get("rtl") is None


# -- severity ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("severity", "name"), [(0, "low"), (24, "low"), (25, "moderate"), (49, "moderate"),
                                                (50, "high"), (74, "high"), (75, "severe"), (100, "severe")])
def test_severity_bands_cover_0_to_100(severity: int, name: str) -> None:
    assert band(severity).name == name


def test_chat_colours_follow_the_0_to_100_scale(sample) -> None:
    arabic, digest = sample
    colours = {s: channels.format_slack(arabic.model_copy(update={"severity": s}))["attachments"][0]["color"]
               for s in (10, 30, 60, 90)}
    assert list(colours.values()) == [b.colour for b in BANDS]  # four bands, not "all red"
    teams = {s: channels.format_teams(arabic.model_copy(update={"severity": s}))["attachments"][0]["content"]
             ["body"][2]["columns"][0]["items"][0]["color"] for s in (10, 30, 60, 90)}
    assert list(teams.values()) == ["Default", "Accent", "Warning", "Attention"]
    # in a digest each item has its own colour: the protest (14) is grey, the abduction (49) amber
    by_sev = {a["fallback"].split("/")[0]: a["color"] for a in channels.format_slack(digest)["attachments"][1:]}
    assert by_sev["14"] == band(0).colour and by_sev["49"] == band(25).colour and by_sev["85"] == band(75).colour
    html = _parts(arabic)["text/html"]
    assert f"background:{band(84).colour}" in html and "84/100" in html
    assert "< 25 ≤" in _parts(digest)["text/plain"]  # the legend says what the colours mean


# -- words ------------------------------------------------------------------------------------
def test_event_types_are_words_in_the_alerts_language(sample) -> None:
    arabic, digest = sample
    assert "attack_on_civilians" in arabic.event_types
    shown = _doc(_parts(arabic)["text/html"]).text_content()
    assert "هجوم على مدنيين" in shown and "attack_on_civilians" not in shown
    assert "attack_on_civilians" not in _parts(arabic)["text/plain"]
    text = _parts(digest)["text/plain"]
    assert "Attaque contre des civils" in text and "Enlèvement" in text and "Manifestation" in text
    assert "looting_property_destruction" not in json.dumps(channels.format_slack(digest), ensure_ascii=False)
    english = arabic.model_copy(update={"language": "en"})
    assert "Attack on civilians" in _doc(_parts(english)["text/html"]).text_content()
    assert json.loads(channels.format_webhook(arabic, "k"))["names"]["event_types"]["attack_on_civilians"] \
        == "هجوم على مدنيين"


def test_evidence_regions_and_the_storys_other_reports_are_shown(sample) -> None:
    arabic, digest = sample
    html = _parts(arabic)["text/html"]
    doc = _doc(html)
    marked = [s.text_content() for s in doc.xpath("//span[contains(@style, 'background:#fff3bf')]")]
    assert "هجوم على قرية" in marked and "وإحراق منازل" in marked  # the words that gave the labels
    for report in arabic.reports:
        [link] = doc.xpath(f"//a[@href='{report.url}']")
        assert link.text_content() == report.title
    assert {r.source for r in arabic.reports} == {"studio-tamani", "caj-news"}
    assert "Goundam (Tombouctou)" in _parts(digest)["text/plain"]  # a place with its region
    slack = channels.format_slack(arabic)["attachments"][0]["text"]
    assert "<http://example.org/fr/1|" in slack and "هجوم على قرية" in slack


# -- hostile text and limits ------------------------------------------------------------------
HOSTILE = '<img src=x onerror=alert(1)> \u202eevil\x1b[31m <!channel> [x](javascript:y)'


def test_hostile_text_stays_text_in_every_format(sample) -> None:
    arabic, digest = sample
    entry = digest.entries[0].model_copy(update={"title": HOSTILE, "url": "javascript:alert(1)"})
    bad_digest = digest.model_copy(update={"entries": [entry, *digest.entries[1:]]})
    bad_alert = arabic.model_copy(update={"title": HOSTILE, "summary": HOSTILE, "reasons": [HOSTILE]})
    for alert in (bad_alert, bad_digest):
        parts = _parts(alert)
        assert "<img" not in parts["text/html"] and "&lt;img src=x" in parts["text/html"]
        assert "href=\"javascript" not in parts["text/html"] and "<a href=\"j" not in parts["text/html"]
        assert "\u202e" not in parts["text/html"] and "\x1b" not in parts["text/html"]
        slack = json.dumps(channels.format_slack(alert), ensure_ascii=False)
        assert "<!channel>" not in slack and "<img" not in slack and "\u202e" not in slack
        card = json.dumps(channels.format_teams(alert)["attachments"][0]["content"], ensure_ascii=False)
        assert "](javascript" not in card and "\u202e" not in card  # Markdown escaped: no forged link


def test_a_huge_digest_stays_within_every_payload_limit(sample) -> None:
    _, digest = sample
    many = [DigestEntry(alert_id=f"al-{i}", item_id=f"i{i}", title="Ménaka <b> " * 5000, url=f"https://e.org/{i}",
                        source="maliweb", language="fr", severity=i % 100,
                        published_at=datetime(2026, 11, 22, tzinfo=UTC), places=["Ménaka"] * 50,
                        reasons=["x" * 5000] * 20) for i in range(500)]
    huge = digest.model_copy(update={"entries": many})
    slack = channels.format_slack(huge)
    assert len(json.dumps(slack, ensure_ascii=False)) <= channels.SLACK_MAX_CHARS
    assert len(slack["attachments"]) <= channels.SLACK_DIGEST_ATTACHMENTS + 2
    for a in slack["attachments"]:
        assert all(len(a.get(k, "")) <= channels.SLACK_MAX_TEXT for k in ("text", "title", "fallback"))
    assert "de plus" in json.dumps(slack, ensure_ascii=False)  # "… n de plus": the cut is said
    assert len(json.dumps(channels.format_teams(huge), ensure_ascii=False).encode()) <= 28_000
    body = channels.format_webhook(huge, "k", 4096)
    assert len(body) <= 4096 and json.loads(body)["entries"][0]["url"] == "https://e.org/0"


# -- rendered ---------------------------------------------------------------------------------
DIRECTION_PROBE = """<script>
addEventListener("load", () => {
  const h1 = document.querySelector("h1");
  const range = document.createRange();
  range.selectNodeContents(h1);
  const text = range.getBoundingClientRect(), box = h1.getBoundingClientRect();
  document.body.setAttribute("data-h1", [Math.round(text.left - box.left), Math.round(box.right - text.right),
                                         getComputedStyle(h1).direction].join(","));
});
</script>"""


def _share(png: Path, colours: tuple[tuple[int, int, int], ...], tolerance: int) -> float:
    """The share of the screenshot's pixels farther than `tolerance` from each of `colours`."""
    pixels = list(Image.open(png).convert("RGB").getdata())
    far = sum(1 for p in pixels
              if all(max(abs(a - b) for a, b in zip(p, c, strict=True)) > tolerance for c in colours))
    return far / len(pixels)


def _strip_colour(png: Path) -> str:
    """The colour of the first row under the card's top border, in the middle of the page."""
    image = Image.open(png).convert("RGB")
    x = image.width // 2
    for y in range(image.height):
        r, g, b = image.getpixel((x, y))
        if (r, g, b) not in ((0xEE, 0xF1, 0xF4),) and not (r > 200 and g > 200 and b > 200):
            return f"#{r:02x}{g:02x}{b:02x}"
    return ""


@pytest.mark.parametrize("which", ["arabic-alert", "french-digest"])
def test_the_email_html_renders_in_chromium(sample, which: str, tmp_path: Path) -> None:
    alert = sample[0] if which == "arabic-alert" else sample[1]
    page = tmp_path / f"{which}.html"
    page.write_text(_parts(alert)["text/html"], encoding="utf-8")
    png = screenshot(page, tmp_path / f"{which}.png")
    image = Image.open(png)
    assert image.size == (760, 1200)
    white, page_grey = (0xFF, 0xFF, 0xFF), (0xEE, 0xF1, 0xF4)
    assert _share(png, (page_grey,), 6) > 0.2  # the white card drew on the grey page...
    assert _share(png, (white, page_grey), 40) > 0.01  # ...with text and badges on it: not blank
    assert _strip_colour(png) == band(alert.severity).colour  # the severity band's strip drew
    left_gap, right_gap, direction = probed(page, DIRECTION_PROBE, "data-h1").split(",")
    if which == "arabic-alert":  # the title starts at the right edge
        assert direction == "rtl" and int(right_gap) <= 2 < int(left_gap), (left_gap, right_gap)
    else:
        assert direction == "ltr" and int(left_gap) <= 2 < int(right_gap), (left_gap, right_gap)
