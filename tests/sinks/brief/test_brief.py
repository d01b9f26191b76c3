"""The daily brief (`veille brief`): a self-contained, escaped HTML page whose pictures render.

Unit tests build the page from a few items classified here (ar/fr/en); the end-to-end test
collects four sources from the offline mirror into a private store, runs the command, and
opens the page in headless Chromium to check that the chart and the map decode.
"""

from __future__ import annotations

import base64
import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import lxml.html
import pytest
import typer
from typer.testing import CliRunner

from sinks.alerts.wording import label_names
from sinks.brief.page import (
    build_brief,
    in_window,
    latest_time,
    parse_instant,
    week_days,
)
from sinks.brief.stories import rank_stories
from tests.support.chromium import probed
from tests.support.sites import crawl
from veille.cli.brief import brief
from veille.durations import parse_duration

END = datetime(2024, 3, 13, tzinfo=UTC)
EVIL = '<script>alert("x")</script> Attaque à Ménaka & <b>Gao</b>'
TEXTS = [
    ("https://example.org/fr/1", "fr", EVIL,
     "Des hommes armés ont attaqué le village de Ménaka, tuant 12 civils, selon le gouvernement "
     "malien. La MINUSMA a condamné l'attaque.", datetime(2024, 3, 12, 9, tzinfo=UTC)),
    ("https://example.org/ar/2", "ar", "هجوم على قافلة عسكرية قرب غاو ومقتل 4 جنود",
     "قتل أربعة جنود ماليين في هجوم على قافلة عسكرية قرب مدينة غاو شمال مالي، حسب الجيش.",
     datetime(2024, 3, 12, 14, tzinfo=UTC)),
    ("https://example.org/en/3", "en", "WFP scales up food aid in Timbuktu region",
     "The World Food Programme is scaling up food assistance in Mali's Timbuktu region, "
     "where displaced families face the lean season.", datetime(2024, 3, 10, 8, tzinfo=UTC)),
    ("javascript:alert(1)", "en", "Clashes reported near Kidal between the army and rebels",
     "Fighting broke out near Kidal between the Malian army and armed groups; soldiers were "
     "killed in the clashes.", datetime(2024, 3, 12, 20, tzinfo=UTC)),
    ("https://example.org/old/5", "fr", "Manifestation à Bamako",
     "Des manifestants ont défilé à Bamako contre la vie chère.", datetime(2024, 2, 1, tzinfo=UTC)),
]


@pytest.fixture(scope="module")
def items() -> list[dict]:
    from processors.classify import Classifier
    from veille.schema import Item

    raw = [Item(id=f"item-{n}", source=f"src{n % 2}", url=url, lang=lang, title=title, body=body,
                published_at=when)
           for n, (url, lang, title, body, when) in enumerate(TEXTS)]
    classifier = Classifier(None)
    try:
        return [i.model_dump(mode="json") for i in classifier.enrich_many(raw)]
    finally:
        classifier.close()


@pytest.fixture(scope="module")
def page(items: list[dict]) -> str:
    return build_brief(items, END, timedelta(days=1), top=10)


def _doc(page: str):
    return lxml.html.document_fromstring(page)


def _png_size(uri: str) -> tuple[int, int]:
    """Width and height of a PNG data URI, after decoding all of it (a truncated one raises)."""
    import matplotlib.image

    assert uri.startswith("data:image/png;base64,"), uri[:40]
    pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(uri.split(",", 1)[1], validate=True)), format="png")
    return pixels.shape[1], pixels.shape[0]


# -- unit ----------------------------------------------------------------------------------------
def test_window_counts_tables(items: list[dict], page: str) -> None:
    doc = _doc(page)
    in_day = [i for i in items if in_window(i, END - timedelta(days=1), END)]
    assert len(in_day) == 3  # the Timbuktu and Bamako items are older than 24 h
    assert doc.get_element_by_id("key-figures").text_content().startswith("3items")
    rows = {tr[0].text_content(): int(tr[1].text_content())
            for tr in doc.get_element_by_id("counts-event-types").xpath(".//tbody/tr")}
    expected: dict[str, int] = {}
    for item in in_day:
        for label in {e["label"] for e in item["enrichment"]["event_types"]}:
            name = label_names("event_types")[label]["en"]  # by name, not id: "Attack on civilians"
            expected[name] = expected.get(name, 0) + 1
    assert expected, "the classifier found no event type in the test texts"
    assert {k: v for k, v in rows.items() if k != "(no event type)"} == expected
    regions = {tr[0].text_content(): int(tr[1].text_content())
               for tr in doc.get_element_by_id("counts-regions").xpath(".//tbody/tr")}
    # Gao: the Arabic item, and the French one's title ("<b>Gao</b>", text after all).
    assert regions.get("Ménaka") == 1 and regions.get("Gao") == 2 and regions.get("Kidal") == 1
    assert "Tombouctou" not in regions  # outside the window
    assert list(regions)[:3] == sorted(list(regions)[:3])  # equal counts: alphabetical


def test_labels_are_shown_by_their_english_names(items: list[dict], page: str) -> None:
    """Chips and the topic table name labels as sinks.alerts.wording does (the one home of
    label names), in the brief's language, English: never an id like `attack_on_civilians`."""
    doc = _doc(page)
    chips = {c.text_content() for c in doc.xpath("//span[contains(@class, 'chip')]")}
    topics = [tr[0].text_content() for tr in doc.get_element_by_id("counts-topics").xpath(".//tbody/tr")]
    named = {names["en"] for kind in ("event_types", "topics") for names in label_names(kind).values()}
    assert topics and set(topics) <= named, topics
    assert chips & named and not any("_" in c for c in chips), chips
    # The severity reasons too: "Armed clash (0.85)", not the classifier's "armed_clash (0.85)".
    reasons = [r.text_content() for r in doc.xpath("//p[@class='reasons']")]
    assert any(name in r for r in reasons for name in named), reasons
    ids = {e["label"] for i in items for e in i["enrichment"]["event_types"] + i["enrichment"]["topics"]}
    assert [label for label in ids if "_" in label], "the test texts name no label with an underscore"
    assert not [label for label in ids if "_" in label and label in doc.text_content()]


def test_item_text_is_escaped_and_inert(page: str) -> None:
    assert "<script" not in page.lower()
    assert "<b>Gao</b>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    doc = _doc(page)
    assert not doc.xpath("//script") and not doc.xpath("//b[text()='Gao']")
    titles = [h.text_content() for h in doc.xpath("//ol[@id='top-items']//h3")]
    assert EVIL in titles


def test_links_and_no_external_resources(page: str) -> None:
    doc = _doc(page)
    hrefs = {a.get("href") for a in doc.xpath("//a")}
    assert {"https://example.org/fr/1", "https://example.org/ar/2"} <= hrefs
    assert not any(h.lower().startswith("javascript") for h in hrefs)  # shown, not linked
    assert "Clashes reported near Kidal" in doc.get_element_by_id("top-items").text_content()
    # Only <a href> may point outside the file: no stylesheet, script, font, frame or image URL.
    for el in doc.iter():
        for name, value in el.attrib.items():
            if el.tag == "img" and name == "src":
                assert value.startswith("data:image/png;base64,"), value[:80]
            elif re.search(r"(https?:)?//", value) and not (el.tag == "a" and name in ("href", "title")):
                pytest.fail(f"<{el.tag} {name}={value[:80]!r}> references an external resource")
    assert not doc.xpath("//link|//script|//iframe|//object|//embed")
    style = "".join(s.text_content() for s in doc.xpath("//style"))
    assert "url(" not in style and "@import" not in style
    images = doc.xpath("//img")
    assert {i.get("id") for i in images} == {"week-chart", "map"}
    for img in images:
        width, height = _png_size(img.get("src"))
        assert width > 300 and height > 300


def test_arabic_titles_read_right_to_left(page: str) -> None:
    doc = _doc(page)
    heads = doc.xpath("//ol[@id='top-items']//h3")
    assert heads and all(h.get("dir") == "auto" for h in heads)
    assert any("غاو" in h.text_content() for h in heads)
    summaries = doc.xpath("//ol[@id='top-items']//p[@class='summary']")
    assert summaries and all(p.get("dir") == "auto" for p in summaries)
    assert any(p.get("lang") == "ar" and "غاو" in p.text_content() for p in summaries)
    assert doc.xpath("//h1")[0].get("dir") == "auto"


def _synthetic(id_: str, score: int, story: str | None, day: int = 12) -> dict:
    return {"id": id_, "source": "s", "url": f"https://example.org/{id_}", "title": id_, "body": "",
            "published_at": f"2024-03-{day:02d}T10:00:00Z",
            "enrichment": {"severity": {"score": score, "reasons": []}, "story_id": story}}


def test_one_entry_per_story_led_by_its_most_severe_report() -> None:
    stories = rank_stories([_synthetic("a", 40, "s1"), _synthetic("b", 90, "s1"), _synthetic("c", 60, None),
                            _synthetic("d", 60, "s2", day=11), _synthetic("e", 10, "s3")], [])
    # s1 once (two reports: ranked first), led by its most severe report; then equal reach:
    # by severity, equal severity: latest first.
    assert [(s.lead["id"], [i["id"] for i in s.items[1:]]) for s in stories] == [
        ("b", ["a"]), ("c", []), ("d", []), ("e", [])]


def test_stories_the_index_merged_are_one_entry() -> None:
    """A report that showed stories s2 and s3 to be one event names them (`merged_stories`);
    the reports stored before keep their old ids, yet the brief lists the event once, not new
    when any of its parts was seen before."""
    late = _synthetic("c", 50, "s1")
    late["enrichment"]["merged_stories"] = ["s3"]
    chain = _synthetic("d", 20, "s3")
    chain["enrichment"]["merged_stories"] = ["s2"]
    window = [_synthetic("a", 70, "s2"), _synthetic("b", 30, "s3"), late, chain, _synthetic("e", 10, "s4")]
    stories = rank_stories(window, [_synthetic("p", 5, "s3", day=5)], seen_before={"s9"})
    assert [(s.key, sorted(i["id"] for i in s.items)) for s in stories] == [
        ("s1", ["a", "b", "c", "d"]), ("s4", ["e"])]
    assert stories[0].previous == 1 and not stories[0].new and stories[1].new
    assert not rank_stories([late], [], seen_before={"s3"})[0].new


def test_window_arguments() -> None:
    assert parse_duration("24h") == timedelta(hours=24)
    assert parse_duration("7d") == timedelta(days=7)
    assert parse_duration(" 90m ") == timedelta(minutes=90)
    for bad in ("", "7", "-1d", "0h", "3y"):
        with pytest.raises(ValueError):
            parse_duration(bad)
    assert parse_instant("2024-03-12") == END
    assert parse_instant("2024-03-12T18:00") == datetime(2024, 3, 12, 18, tzinfo=UTC)
    assert parse_instant("2024-03-12T18:00+02:00") == datetime(2024, 3, 12, 16, tzinfo=UTC)
    with pytest.raises(ValueError):
        parse_instant("yesterday")
    assert week_days(END)[0].isoformat() == "2024-03-06" and week_days(END)[-1].isoformat() == "2024-03-12"
    midnight = {"published_at": "2024-03-12T00:00:00Z"}
    assert in_window(midnight, END - timedelta(days=1), END)
    assert not in_window(midnight, END - timedelta(days=2), END - timedelta(days=1))
    assert in_window({"published_at": None, "collected_at": "2024-03-12T05:00:00Z"}, END - timedelta(days=1), END)
    future = {"published_at": "2999-01-01T00:00:00Z"}
    assert latest_time([midnight, future], now=datetime(2025, 1, 1, tzinfo=UTC)) == END
    assert latest_time([]) is None


def test_empty_window_still_makes_a_page() -> None:
    page = build_brief([], END, timedelta(hours=24))
    doc = _doc(page)
    assert "No item in the window" in doc.get_element_by_id("top-items").text_content()
    for img in doc.xpath("//img"):
        assert _png_size(img.get("src"))[0] > 0


# -- end to end ----------------------------------------------------------------------------------
SOURCES = ("aljazeera", "rfi-afrique", "un-news", "anadolu")  # ar, fr, en; dates up to 2024-03-12
# naturalWidth alone is not enough: Chromium knows the size of a truncated PNG from its header
# and shows the part it could decode. So the probe also paints each image on a canvas and
# measures the share of opaque pixels (our PNGs are opaque everywhere; a truncated one leaves
# its lower rows transparent) and of non-white ones (a blank picture is a failure too).
CHECK_IMAGES = """<script>
window.addEventListener("load", () => {
  const seen = [];
  for (const i of document.images) {
    let state = "broken";
    try {
      if (i.complete && i.naturalWidth > 0) {
        const c = document.createElement("canvas");
        c.width = i.naturalWidth; c.height = i.naturalHeight;
        const g = c.getContext("2d");
        g.drawImage(i, 0, 0);
        const px = g.getImageData(0, 0, c.width, c.height).data;
        let opaque = 0, ink = 0;
        for (let k = 0; k < px.length; k += 4) {
          if (px[k + 3] === 255) opaque++;
          if (px[k + 3] > 0 && (px[k] < 240 || px[k + 1] < 240 || px[k + 2] < 240)) ink++;
        }
        const n = px.length / 4;
        state = `${i.naturalWidth}x${i.naturalHeight},${(opaque / n).toFixed(3)},${(ink / n).toFixed(3)}`;
      }
    } catch (e) { state = "broken:" + e.name; }
    seen.push(i.id + "=" + state);
  }
  document.body.setAttribute("data-images", seen.join(" "));
});
</script>"""


def _rendered_images(page: str, tmp_path: Path, name: str) -> dict[str, str]:
    """Opens the page (plus a probe script: the page itself has none) in headless Chromium and
    returns {img id: "W"x"H","opaque share","non-white share" or "broken"} as it rendered them."""
    shown = tmp_path / name
    shown.write_text(page, encoding="utf-8")
    images = probed(shown, CHECK_IMAGES, "data-images", budget_ms=10000)
    return dict(entry.split("=", 1) for entry in images.split())


def _fill_store(home: Path, mirror_map: str) -> int:
    """Collects a few sources from the mirror and stores them classified, as `veille demo`
    would, in a fraction of its time."""
    from processors.classify import Classifier
    from sinks.sqlite_store import SqliteStore
    from veille.schema import item_from_json

    raw: dict[str, dict] = {}
    for key in SOURCES:
        stats, collected, errors = crawl(home.parent / f"crawl-{key}", mirror_map, key)
        assert collected and not errors, f"{key}: {errors}"
        raw.update({doc["id"]: doc for doc in collected})
    classifier = Classifier(None)
    try:
        enriched = classifier.enrich_many([item_from_json(doc) for doc in raw.values()])
    finally:
        classifier.close()
    home.mkdir(parents=True, exist_ok=True)
    store = SqliteStore(home / "store.db")
    try:
        assert store.upsert(enriched) == {}
    finally:
        store.close()
    return len(enriched)


def test_brief_on_mirrored_items_renders_in_chromium(home: Path, mirror, tmp_path: Path) -> None:
    stored = _fill_store(home, mirror.env_value())
    app = typer.Typer()
    app.command()(brief)
    app.command("noop", hidden=True)(lambda: None)  # two commands: `brief` stays a subcommand
    out = tmp_path / "brief.html"
    result = CliRunner().invoke(app, ["brief", "--since", "7d", "--until", "latest", "--top", "5",
                                      "--out", str(out), "--title", "Brief <test>"])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    doc = _doc(page)
    assert doc.xpath("//title")[0].text_content() == "Brief <test>"
    assert "to 2024-03-13 00:00 UTC" in doc.get_element_by_id("window").text_content()
    n = int(doc.get_element_by_id("key-figures").xpath(".//td/b")[0].text_content())
    assert 10 <= n <= stored
    assert len(doc.xpath("//ol[@id='top-items']/li")) == 5
    assert doc.xpath("//table[@id='counts-event-types']//tbody/tr")
    assert {"Kidal", "Gao"} & {tr[0].text_content() for tr in doc.xpath("//table[@id='counts-regions']//tbody/tr")}
    assert any("غ" in h.text_content() or "ال" in h.text_content() for h in doc.xpath("//h3[@dir='auto']"))

    images = _rendered_images(page, tmp_path, "brief.html")
    assert set(images) == {"week-chart", "map"}, images
    for name, state in images.items():
        assert state != "broken", f"{name} did not decode in Chromium"
        size, opaque, ink = state.split(",")
        width, height = map(int, size.split("x"))
        assert width >= 300 and height >= 300, (name, state)
        assert float(opaque) == 1.0, f"{name}: part of the picture did not decode ({state})"
        assert float(ink) > 0.05, f"{name}: the picture is blank ({state})"

    # The probe can fail: a PNG cut short draws only its top rows, a garbled one nothing.
    uri = re.compile(r'(id="map" src="data:image/png;base64,)([A-Za-z0-9+/=]+)"')
    data = uri.search(page).group(2)
    cut = uri.sub(lambda m: m.group(1) + data[: len(data) // 2] + '"', page)
    garbled = uri.sub(lambda m: m.group(1) + "A" * 400 + '"', page)
    rendered = _rendered_images(cut, tmp_path, "cut.html")["map"]
    assert rendered == "broken" or float(rendered.split(",")[1]) < 1.0, rendered
    assert _rendered_images(garbled, tmp_path, "garbled.html")["map"] == "broken"
