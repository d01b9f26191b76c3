"""The brief as a mail and its parts: received by a local SMTP server and rendered as a mail
client would (headless Chromium with the inline cid: pictures resolved), the default window,
the refusal to replace a brief with an empty one, the growing flag, the schedule and the
map's labels (no two overlap)."""

from __future__ import annotations

import email
import email.policy
import itertools
import os
import re
import shutil
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
import typer
from typer.testing import CliRunner

from sinks.brief.charts import MapPoint, draw_map
from sinks.brief.labels import Label, overlap, place
from sinks.brief.page import render_brief
from sinks.brief.produce import FALLBACK_SPAN, default_window
from sinks.brief.schedule import parse_schedule
from sinks.brief.stories import rank_stories
from tests.sinks.brief.test_brief import _fill_store, _rendered_images
from tests.support.chromium import screenshot
from veille.cli.brief import brief

END = datetime(2024, 3, 13, tzinfo=UTC)


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(brief)
    app.command("noop", hidden=True)(lambda: None)
    return app


def _item(id_: str, story: str, when: datetime, source: str = "s1", lang: str = "fr",
          severity: int = 50) -> dict:
    return {"id": id_, "source": source, "title": f"Story {story} ({id_})", "url": f"https://example.org/{id_}",
            "published_at": when.isoformat(),
            "enrichment": {"story_id": story, "language": {"code": lang, "score": 1.0},
                           "severity": {"score": severity, "reasons": []}}}


# -- unit ------------------------------------------------------------------------------------------
def test_default_window() -> None:
    now = datetime(2026, 12, 7, 7, tzinfo=UTC)
    since_last = default_window(now, now - timedelta(hours=30), now - timedelta(hours=1))
    assert since_last.span == timedelta(hours=30) and since_last.why == "since the last brief"
    assert default_window(now, None, now - timedelta(hours=3)).span == timedelta(hours=24)
    # a store whose newest item is older than a day: a week; a last brief over a week ago: ignored
    assert default_window(now, None, now - timedelta(days=3)).span == FALLBACK_SPAN
    assert default_window(now, now - timedelta(days=9), now - timedelta(hours=2)).span == timedelta(hours=24)
    assert default_window(now, None, None).span == FALLBACK_SPAN
    # a scheduled brief: since its last one, else its own period (at most a week), never newest
    scheduled = default_window(now, None, now - timedelta(days=3), first=timedelta(hours=6))
    assert (scheduled.span, scheduled.why) == (timedelta(hours=6), "first brief")
    assert default_window(now, now - timedelta(hours=5), None, first=timedelta(hours=6)).span == timedelta(hours=5)
    assert default_window(now, None, None, first=timedelta(days=30)).span == FALLBACK_SPAN


def test_growing_and_new_flags() -> None:
    day = timedelta(days=1)
    previous = [_item("p1", "grows", END - 1.5 * day), _item("p2", "steady", END - 1.5 * day),
                _item("p3", "steady", END - 1.2 * day)]
    window = ([_item(f"g{n}", "grows", END - day / 2, source=f"s{n}", lang=("fr", "en", "ar")[n % 3]) for n in range(4)]
              + [_item("t1", "steady", END - day / 3), _item("t2", "steady", END - day / 4)]
              + [_item("n1", "fresh", END - day / 5), _item("o1", "old", END - day / 6)])
    stories = {s.key: s for s in rank_stories(window, previous, seen_before={"old"})}
    assert stories["grows"].growing and stories["grows"].previous == 1  # 1 → 4
    assert not stories["steady"].growing  # 2 → 2
    assert stories["fresh"].new and not stories["old"].new and not stories["grows"].new
    assert not stories["fresh"].growing  # 0 → 1: one report is not a trend
    ranked = [s.key for s in rank_stories(window, previous)]
    assert ranked[0] == "grows"  # 4 sources, 3 languages: the most widely reported first
    page = render_brief(previous + window, END, day, alerts=(), health=[
        {"source": "wanep", "name": "WANEP", "status": "broken", "reasons": ["feed gone (404)"],
         "since": "2024-03-12T06:00:00+00:00"}]).page
    doc = lxml.html.document_fromstring(page)
    first = doc.xpath("//ol[@id='top-items']/li")[0]
    assert "GROWING 1→4" in first.text_content() and "4 sources, 3 languages" in first.text_content()
    assert "NEW" in doc.xpath("//div[@data-story='fresh']")[0].text_content()
    assert "feed gone (404)" in doc.get_element_by_id("source-health").text_content()


def test_mail_html_is_what_mail_clients_keep() -> None:
    made = render_brief([_item("a", "x", END - timedelta(hours=2))], END, timedelta(days=1))
    html = made.mail_html
    for stripped in ("<style", "data:", "<script", "flex", "class=\"key\""):
        assert stripped not in html, stripped
    assert set(re.findall(r'src="(cid:[^"]+)"', html)) == {"cid:week-chart@veille.brief", "cid:map@veille.brief"}
    # the page keeps the same content, its pictures as data: URIs
    strip = re.compile(r'src="[^"]+"')
    assert strip.sub("", made.page) == strip.sub("", html)
    assert made.page.count('src="data:image/png;base64,') == 2


def test_schedule_due() -> None:
    daily = parse_schedule("daily 07:00")
    at = datetime(2026, 12, 7, 8, tzinfo=UTC)
    assert daily.due(at, None) and daily.due(at, at - timedelta(hours=20))
    assert not daily.due(at, at - timedelta(minutes=30))  # sent at 07:30 today
    assert not daily.due(at.replace(hour=6), at.replace(hour=6) - timedelta(hours=20))
    every = parse_schedule("every 6h")
    assert every.due(at, at - timedelta(hours=7)) and not every.due(at, at - timedelta(hours=2))
    for bad in ("daily 25:00", "weekly", "every soon"):
        with pytest.raises(ValueError):
            parse_schedule(bad)


def test_label_pass_never_overlaps() -> None:
    labels = [Label(f"l{n}", 100 + (n % 5) * 6, 100 + (n // 5) * 5, 60, 12) for n in range(25)]
    placed = place(labels, (0, 0, 400, 300))
    assert 4 <= len(placed) < 25  # crowded: some left out rather than overprinted
    assert all(overlap(a.box, b.box) == 0 for a, b in itertools.combinations(placed, 2))


def test_map_labels_do_not_overlap_when_drawn() -> None:
    """Places crowded around Mopti and Gao (as in a busy week): the labels the map draws,
    measured on the rendered figure, share no pixel with one another."""
    crowd = [("Mopti", 14.49, -4.19), ("Sévaré", 14.53, -4.10), ("Bandiagara", 14.35, -3.61),
             ("Djenné", 13.9, -4.55), ("Konna", 14.95, -3.89), ("Bankass", 14.08, -3.52),
             ("Gao", 16.27, -0.04), ("Ansongo", 15.66, 0.50), ("Ménaka", 15.92, 2.4),
             ("Tombouctou", 16.77, -3.0), ("Douentza", 15.0, -2.95), ("Boni", 15.08, -2.2)]
    points = [MapPoint(n, "ML", "", lat, lon, 12 - i, 90 - i) for i, (n, lat, lon) in enumerate(crowd)]
    drawing = draw_map(points, highlight=12)
    fig = drawing.figure
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in drawing.texts]
    assert len(boxes) >= 20  # places, regions and neighbours: most fit
    assert any(t.get_text().startswith("Mopti (") for t in drawing.texts)
    shared = [(a.get_text(), b.get_text()) for (a, ba), (b, bb) in itertools.combinations(zip(drawing.texts, boxes, strict=True), 2)
              if overlap((ba.x0, ba.y0, ba.x1, ba.y1), (bb.x0, bb.y0, bb.x1, bb.y1)) > 0]
    assert not shared, shared
    names = {t.get_text() for t in drawing.texts}
    assert {"KIDAL", "TAOUDÉNIT", "KAYES"} <= names  # region names drawn


def test_empty_brief_does_not_replace_a_brief(home: Path, tmp_path: Path) -> None:
    out = tmp_path / "brief.html"
    out.write_text("<p>yesterday's good brief</p>", encoding="utf-8")
    refused = CliRunner().invoke(_app(), ["brief", "--out", str(out)])
    assert refused.exit_code == 1
    assert "not overwritten with an empty brief" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output and len(refused.output.strip().splitlines()) == 1
    assert out.read_text(encoding="utf-8") == "<p>yesterday's good brief</p>"
    forced = CliRunner().invoke(_app(), ["brief", "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "No item in the window" in out.read_text(encoding="utf-8")
    fresh = tmp_path / "new.html"  # nothing to replace: an empty page is written, and said so
    made = CliRunner().invoke(_app(), ["brief", "--out", str(fresh)])
    assert made.exit_code == 0 and fresh.exists() and "no item in the window" in made.output


# -- end to end: a local SMTP server receives it, Chromium renders it -------------------------------
def test_mailed_brief_is_received_and_renders(home: Path, mirror, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.controller import Controller

    from veille.settings import reset_settings

    _fill_store(home, mirror.env_value())
    inbox = _Inbox()
    port = _free_port()  # aiosmtpd's start-up check needs a real port, not 0
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        rules = _rules(tmp_path, port)
        monkeypatch.setenv("VEILLE_RULES", str(rules))
        reset_settings()
        result = CliRunner().invoke(_app(), ["brief", "--since", "7d", "--until", "latest",
                                             "--mail", "analyst@example.org", "--mail", "desk@example.org"])
        assert result.exit_code == 0, result.output
        assert "brief mailed" in result.output and "sent to 2 recipient(s)" in result.output
    finally:
        controller.stop()
    assert len(inbox.received) == 1
    rcpts, raw = inbox.received[0]
    assert sorted(rcpts) == ["analyst@example.org", "desk@example.org"]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative" and msg["From"] == "brief@example.org"
    related = next(p for p in msg.walk() if p.get_content_type() == "multipart/related")
    html = related.get_body(("html",)).get_content()
    images = {p["Content-ID"].strip("<>"): p.get_content() for p in related.iter_parts()
              if p.get_content_type() == "image/png"}
    assert set(images) == {"week-chart@veille.brief", "map@veille.brief"}
    assert "<style" not in html and "data:" not in html and "flex" not in html and "<script" not in html
    assert msg.get_body(("plain",)).get_content().startswith("Mali / Sahel brief")

    # As a mail client shows it: each cid: resolved to the part, written next to the page.
    shown = tmp_path / "mail"
    shown.mkdir()
    for cid, png in images.items():
        (shown / f"{cid.split('@')[0]}.png").write_bytes(png)
    page = re.sub(r'src="cid:([\w-]+)@veille\.brief"', r'src="\1.png"', html)
    assert "cid:" not in page
    (shown / "brief.html").write_text(page, encoding="utf-8")
    rendered = _rendered_images(re.sub(r'src="([\w-]+\.png)"', lambda m: f'src="{(shown / m.group(1)).as_uri()}"', page),
                                tmp_path, "mail-probe.html")
    assert set(rendered) == {"week-chart", "map"}, rendered
    for name, state in rendered.items():
        assert state != "broken", f"{name} did not load from its cid: part"
        size, opaque, ink = state.split(",")
        assert int(size.split("x")[0]) >= 300 and float(opaque) == 1.0 and float(ink) > 0.05, (name, state)

    shot = tmp_path / "mail-screenshot.png"
    screenshot(shown / "brief.html", shot, 760, 4400, budget_ms=10000)
    import matplotlib.image

    pixels = matplotlib.image.imread(shot)
    non_white = (pixels[..., :3] < 0.94).any(axis=2).mean()
    assert non_white > 0.1, f"the rendered mail is blank ({non_white:.3f} non-white)"
    keep = os.environ.get("VEILLE_TEST_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / "brief-mail.png")
        shutil.copy(shown / "brief.html", Path(keep) / "brief-mail.html")
        for cid in images:
            shutil.copy(shown / f"{cid.split('@')[0]}.png", Path(keep) / f"{cid.split('@')[0]}.png")


# -- the schedule in `veille run` and the mail's errors ------------------------------------------
def _recent_store(home: Path, now: datetime) -> None:
    """Two items of the last hours, classified and stored as the pipeline would."""
    from processors.classify import Classifier
    from sinks.sqlite_store import SqliteStore
    from veille.schema import Item

    raw = [Item(id="recent-1", source="rfi-afrique", url="https://example.org/r1", lang="fr",
                title="Attaque contre un convoi près de Gao",
                body="Des hommes armés ont attaqué un convoi militaire près de Gao, tuant quatre soldats.",
                published_at=now - timedelta(hours=3)),
           Item(id="recent-2", source="un-news", url="https://example.org/r2", lang="en",
                title="Civilians killed near Mopti",
                body="Armed men attacked a village near Mopti, killing twelve civilians.",
                published_at=now - timedelta(hours=2))]
    classifier = Classifier(None)
    try:
        enriched = classifier.enrich_many(raw)
    finally:
        classifier.close()
    home.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(home / "store.db")
    try:
        store.upsert(enriched)
    finally:
        store.close()


class _Inbox:
    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.received.append((list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rules(tmp_path: Path, port: int) -> Path:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "channels:\n  console: {type: log}\n"
        f"  team-mail: {{type: email, to: [ops@example.org], from: brief@example.org, "
        f"smtp_host: 127.0.0.1, smtp_port: {port}, timeout: 5}}\n"
        "defaults: {channels: [console]}\nrules: []\n", encoding="utf-8")
    return rules


def test_scheduled_brief_is_mailed_once(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from aiosmtpd.controller import Controller

    from sinks.brief.produce import last_brief
    from sinks.brief.schedule import scheduled_brief
    from veille.settings import get_settings, reset_settings

    now = datetime.now(UTC).replace(microsecond=0)
    _recent_store(home, now)
    port = _free_port()
    monkeypatch.setenv("VEILLE_RULES", str(_rules(tmp_path, port)))
    monkeypatch.setenv("VEILLE_BRIEF_SCHEDULE", "every 6h")
    monkeypatch.setenv("VEILLE_BRIEF_TO", "desk@example.org")
    reset_settings()
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        job = scheduled_brief(get_settings())
        assert job is not None and job.schedule.due(now, None)
        answer = job.send(now)
    finally:
        controller.stop()
    assert answer == "sent to 1 recipient(s)", answer
    assert last_brief(home, "mail") == now
    assert not job.schedule.due(now + timedelta(hours=1), last_brief(home, "mail"))
    (rcpts, raw), = inbox.received
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert rcpts == ["desk@example.org"]
    html = msg.get_body(("html",)).get_content()
    assert "Attaque contre un convoi" in html and "Civilians killed near Mopti" in html


def test_brief_settings_are_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    from sinks.brief.schedule import brief_settings
    from veille.settings import ConfigError

    monkeypatch.setenv("VEILLE_BRIEF_SCHEDULE", "weekly")
    with pytest.raises(ConfigError, match="VEILLE_BRIEF_SCHEDULE='weekly'"):
        brief_settings()
    monkeypatch.setenv("VEILLE_BRIEF_SCHEDULE", "daily 07:00")
    monkeypatch.delenv("VEILLE_BRIEF_TO", raising=False)
    with pytest.raises(ConfigError, match="VEILLE_BRIEF_TO"):
        brief_settings()


def test_mail_failure_is_one_line(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from veille.settings import reset_settings

    now = datetime.now(UTC)
    _recent_store(home, now)
    monkeypatch.setenv("VEILLE_RULES", str(_rules(tmp_path, _free_port())))  # nobody listens
    reset_settings()
    result = CliRunner().invoke(_app(), ["brief", "--mail", "desk@example.org"])
    assert result.exit_code == 1
    assert "brief not mailed" in result.output and "connection refused" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_alerts_of_the_period() -> None:
    from sinks.alerts.model import Alert

    def alert(id_: str, item: str, created: datetime, severity: int) -> Alert:
        return Alert(id=id_, rule="violence", item_id=item, story_id=item, created_at=created,
                     severity=severity, title=f"alert {id_}", url=f"https://example.org/{item}")

    items = [_item("in", "s", END - timedelta(hours=5))]
    alerts = [alert("raised-in-window", "elsewhere", END - timedelta(hours=1), 40),
              alert("about-an-item", "in", END + timedelta(days=300), 90),  # processed much later
              alert("too-old", "elsewhere", END - timedelta(days=3), 99)]
    doc = lxml.html.document_fromstring(render_brief(items, END, timedelta(days=1), alerts=alerts).page)
    rows = [tr.text_content() for tr in doc.xpath("//table[@id='alerts']//tbody/tr")]
    assert len(rows) == 2 and "alert about-an-item" in rows[0] and "alert raised-in-window" in rows[1]
    figure = doc.xpath("//td[@data-key='alerts']/b")[0].text_content()
    assert figure == "2"
