"""Language identification: the text decides; the source's declaration is only a hint."""

from __future__ import annotations

from processors.enrich_stage import enrich
from processors.language import identify


def test_three_languages():
    assert identify("Des hommes armés ont attaqué un poste de la gendarmerie près de Ménaka, faisant plusieurs morts.").code == "fr"
    assert identify("Armed men attacked a gendarmerie post near Menaka on Tuesday, killing several people.").code == "en"
    assert identify("هاجم مسلحون مركزا للدرك قرب ميناكا يوم الثلاثاء مما أسفر عن مقتل عدة أشخاص").code == "ar"


def test_declaration_does_not_override_the_text():
    result = identify("La rencontre s'est tenue au CICB de Bamako avec la société civile et l'AIGE.", declared="en")
    assert result.code == "fr"


def test_too_short_to_tell_falls_back_to_the_declaration_or_und():
    assert identify("Mali", declared="fr").code == "fr"
    assert identify("Mali").code == "und"


def test_enrich_keeps_every_item_field():
    item = {"id": "x", "source": "s", "url": "https://example.org/x", "title": "Gao",
            "body": "The security situation in Gao deteriorated sharply this week.", "lang": "fr", "symbol": "S/2020/476"}
    enriched = enrich(item)
    assert enriched.enrichment.language.code == "en"
    assert enriched.lang == "fr" and enriched.symbol == "S/2020/476"


def test_a_processor_has_its_language_models_loaded_before_it_consumes(tmp_path):
    """Loading lingua's models holds the GIL for seconds. In the first batch it kept a new
    Kafka processor's heartbeat thread from running past the session timeout: the processor
    was thrown out of its consumer group and its batch redone (issue 14,
    tests/integration/test_scale_out.py). The stage is built with them loaded."""
    from processors import language
    from processors.enrich_stage import processor_stage
    from veille.bus.sqlite_bus import SqliteBus

    language._detector.cache_clear()
    bus = SqliteBus(tmp_path / "bus.db")
    stage = processor_stage(bus)
    try:
        assert stage.handled == 0 and language._detector.cache_info().currsize == 1
    finally:
        stage.close()
        bus.close()


def test_arabic_script_only_is_answered_as_lingua_would():
    """Text in Arabic letters only skips lingua (its script rule would say Arabic, 1.0);
    one Latin or Tifinagh letter and lingua or the Sahel profiles decide again."""
    from processors.language import _arabic_only, _decide, _detector

    texts = ["هاجم مسلحون مركزا للدرك قرب ميناكا يوم الثلاثاء مما أسفر عن مقتل عدة أشخاص",
             "قالت الأمم المتحدة إن ١٢ مدنيا قتلوا في ٣ قرى، وفق حصيلة أولية (2023).",
             "پاکستان کے وزیر اعظم نے کہا ہے کہ ملک میں انتخابات ہوں گے"]
    for text in texts:
        assert _arabic_only(text)
        expected = _decide(_detector().compute_language_confidence_values(text), "fr")
        assert identify(text, declared="fr") == expected
    assert not _arabic_only("قالت بعثة MINUSMA إن الهجوم وقع قرب غاو")
    assert not _arabic_only("ⵜⴰⵎⴰⵣⵉⵖⵜ هاجم مسلحون مركزا للدرك قرب ميناكا")
    assert not _arabic_only("١٢٣ ، ؟ ١٢٣٤٥٦٧٨٩٠ ، ١٢٣٤")  # no letter at all: lingua says und
