"""rules.yaml: validation errors that name file, rule and key; every condition; evidence;
quiet hours, durations, defaults; the bundled example against the real source registry."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sinks.alerts.model import EmailChannel, LogChannel
from sinks.alerts.rules import DigestMode, RuleSet, dry_run, load_rules
from veille.schema import EnrichedItem, Enrichment, Label, Language, Org, Place, Severity
from veille.settings import REPO_ROOT, ConfigError
from veille.sources import load_registry

HEADER = """\
channels:
  console: {type: log}
  ops-mail: {type: email, to: [ops@example.org]}
defaults:
  channels: [console]
rules:
"""


def write(tmp_path: Path, rules: str, header: str = HEADER) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(header + textwrap.indent(textwrap.dedent(rules), "  "), encoding="utf-8")
    return path


def load(tmp_path: Path, rules: str, **kw) -> RuleSet:
    return load_rules(write(tmp_path, rules), **kw)


def error(tmp_path: Path, rules: str, header: str = HEADER, **kw) -> str:
    with pytest.raises(ConfigError) as err:
        load_rules(write(tmp_path, rules, header), **kw)
    return str(err.value)


MENAKA = Place(name="Ménaka", country="ML", admin1="Ménaka", lat=15.92, lon=2.40,
               evidence=["ميناكا"])
TESSIT = Place(name="Tessit", country="ML", admin1="Gao", admin2="Ansongo", lat=15.93,
               lon=0.77, evidence=["Tessit"])
NIAMEY = Place(name="Niamey", country="NE", admin1="", lat=13.51, lon=2.11, evidence=["Niamey"])


def item(**kw) -> EnrichedItem:
    enrichment = {
        "language": Language(code=kw.pop("lang_code", "fr"), score=1.0),
        "event_types": [Label(label="armed_clash", score=0.8, evidence=["combats", "attaque"])],
        "topics": [Label(label="security", score=0.7, evidence=["attaque"])],
        "places": [MENAKA],
        "orgs": [Org(id="jnim", name="JNIM", evidence=["JNIM", "GSIM"])],
        "severity": Severity(score=72, reasons=["armed_clash", "12 killed"]),
        "story_id": "story-1",
    }
    for key in list(kw):
        if key in enrichment:
            enrichment[key] = kw.pop(key)
    fields = {"id": "https://example.org/a", "source": "minusma", "url": "https://example.org/a",
              "title": "Attaque à Ménaka", "body": "Des combats ont eu lieu près du camp militaire.",
              "issuer": "minusma", **kw}
    return EnrichedItem(**fields, enrichment=Enrichment(**enrichment))


def one_rule(tmp_path: Path, when: str, **extra: str) -> RuleSet:
    lines = "".join(f"  {k}: {v}\n" for k, v in extra.items())
    return load(tmp_path, f"- name: r\n  when: {when}\n{lines}")


def reasons(ruleset: RuleSet, it: EnrichedItem) -> list[str] | None:
    matches = ruleset.match(it)
    return matches[0].reasons if matches else None


# -- validation -------------------------------------------------------------------------------
def test_unknown_event_type_names_file_rule_and_index(tmp_path: Path) -> None:
    msg = error(tmp_path, """\
        - name: menaka-violence
          when: {event_types: [attack_on_civilians, armed_clashes]}
        """)
    assert msg.startswith(f"{tmp_path / 'rules.yaml'}: rule 'menaka-violence': "
                          "when.event_types[1]: unknown event type 'armed_clashes'")
    assert "did you mean 'armed_clash'?" in msg and "known: abduction, agreement" in msg


def test_unknown_topic(tmp_path: Path) -> None:
    msg = error(tmp_path, "- {name: x, when: {topics: [securite]}}\n")
    assert "rule 'x': when.topics[0]: unknown topic 'securite'" in msg and "security" in msg


def test_undefined_channel(tmp_path: Path) -> None:
    msg = error(tmp_path, "- {name: x, when: {}, channels: [ops]}\n")
    assert msg == (f"{tmp_path / 'rules.yaml'}: rule 'x': channels[0]: no channel 'ops' is "
                   "defined (defined: console, ops-mail)")


def test_undefined_default_channel(tmp_path: Path) -> None:
    header = HEADER.replace("channels: [console]", "channels: [consol]")
    msg = error(tmp_path, "- {name: x, when: {}}\n", header)
    assert "defaults.channels[0]: no channel 'consol' is defined (did you mean 'console'?" in msg


def test_rule_without_channels(tmp_path: Path) -> None:
    header = HEADER.replace("defaults:\n  channels: [console]\n", "")
    msg = error(tmp_path, "- {name: x, when: {}}\n", header)
    assert "rule 'x': channels: none given" in msg and "defaults.channels" in msg


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    msg = error(tmp_path, "- name: x\n  when: {event_types: [armed_clash}\n")
    assert "rules.yaml: line 8" in msg and "not valid YAML" in msg


def test_typo_key_lists_allowed_keys(tmp_path: Path) -> None:
    msg = error(tmp_path, "- {name: x, when: {serverity_at_least: 60}}\n")
    assert "rule 'x': when.serverity_at_least: unknown key 'serverity_at_least'" in msg
    assert "did you mean 'severity_at_least'?" in msg
    assert "allowed: event_types, topics, places" in msg


def test_typo_key_in_a_rule_and_in_a_channel(tmp_path: Path) -> None:
    msg = error(tmp_path, "- {name: x, when: {}, chanels: [console]}\n")
    assert "rule 'x': chanels: unknown key 'chanels' (did you mean 'channels'?" in msg
    header = HEADER.replace("to: [ops@example.org]", "to: [a@b.c], smtp_hots: x")
    msg = error(tmp_path, "- {name: x, when: {}}\n", header)
    assert "channels.ops-mail.smtp_hots: unknown key 'smtp_hots' (did you mean 'smtp_host'?" in msg


def test_every_error_is_reported_at_once(tmp_path: Path) -> None:
    msg = error(tmp_path, """\
        - name: a
          when: {event_types: [fight], orgs: [jnm]}
        - name: b
          when: {topics: [war]}
        """)
    assert "rule 'a': when.event_types[0]" in msg and "rule 'a': when.orgs[0]" in msg
    assert "rule 'b': when.topics[0]" in msg


def test_duplicate_rule_names(tmp_path: Path) -> None:
    msg = error(tmp_path, "- {name: x, when: {}}\n- {name: y, when: {}}\n- {name: x, when: {}}\n")
    assert "rule 'x': name: duplicate: rules[0] has the same name" in msg


def test_rule_without_name_is_named_by_index(tmp_path: Path) -> None:
    msg = error(tmp_path, "- {name: x, when: {}}\n- {when: {topics: [war]}}\n")
    assert "rules[1] (no name): name: required key missing" in msg
    assert "rules[1] (no name): when.topics[0]: unknown topic 'war'" in msg


def test_bad_rule_name(tmp_path: Path) -> None:
    assert "names are lower-case letters" in error(tmp_path, "- {name: Menaka Violence, when: {}}\n")


def test_key_written_twice_is_an_error(tmp_path: Path) -> None:
    msg = error(tmp_path, "- name: x\n  when: {}\n  when: {topics: [security]}\n")
    assert "line 9" in msg and "key 'when' appears twice" in msg


def test_unknown_org_is_an_error(tmp_path: Path) -> None:
    msg = error(tmp_path, "- {name: x, when: {orgs: [jnim, jnm]}}\n")
    assert "rule 'x': when.orgs[1]: unknown organisation id 'jnm' (did you mean 'jnim'?" in msg


def test_sources_checked_against_the_registry_when_given(tmp_path: Path) -> None:
    rules = "- {name: x, when: {sources: [minusm]}}\n"
    msg = error(tmp_path, rules, sources=["minusma", "un-news"])
    assert "rule 'x': when.sources[0]: unknown source 'minusm' (did you mean 'minusma'?" in msg
    assert load(tmp_path, rules).rules[0].when.sources == ["minusm"]  # no registry: unchecked


def test_regions_are_checked_and_spelled_as_the_gazetteer(tmp_path: Path) -> None:
    msg = error(tmp_path, "- {name: x, when: {places: {admin1: [Gao, Timbuktu]}}}\n")
    assert "when.places.admin1[1]: unknown region 'Timbuktu'" in msg and "Tombouctou" in msg
    ruleset = load(tmp_path, "- {name: x, when: {places: {admin1: [MENAKA, segou]}}}\n")
    assert ruleset.rules[0].when.places.admin1 == ["Ménaka", "Ségou"]


@pytest.mark.parametrize(("when", "where", "words"), [
    ("{event_types: []}", "when.event_types", "empty list"),
    ("{places: {}}", "when.places", "give at least one of admin1"),
    ("{places: {country: [MLI]}}", "when.places.country[0]", "ISO 3166-1 alpha-2"),
    ("{places: {near: {lat: 95, lon: 2, km: 5}}}", "when.places.near[0].lat", "90"),
    ("{places: {near: {lat: 15, lon: 2, km: 0}}}", "when.places.near[0].km", "greater than 0"),
    ("{severity_at_least: 120}", "when.severity_at_least", "100"),
    ("{languages: [french]}", "when.languages[0]", "language code"),
    ("{query: 'attaque AND (exercice'}", "when.query", "at character 13: '(' is never closed"),
])
def test_condition_values_are_checked(tmp_path: Path, when: str, where: str, words: str) -> None:
    msg = error(tmp_path, f"- {{name: x, when: {when}}}\n")
    assert f"rule 'x': {where}: " in msg and words in msg


@pytest.mark.parametrize(("extra", "where", "words"), [
    ("throttle: {window: 0h}", "throttle.window", "must be positive"),
    ("throttle: {window: soon}", "throttle.window", "not a duration"),
    ("throttle: {window: 1h, max_per_hour: 0}", "throttle.max_per_hour", "greater than or equal"),
    ("mode: {digest: 30}", "mode", "expected a duration"),
    ("mode: later", "mode", "expected immediate or {digest: 30m}"),
    ("quiet_hours: {start: 22:00, end: '07:00'}", "quiet_hours.start", 'in quotes, like "22:00"'),
    ("quiet_hours: {start: '25:00', end: '07:00'}", "quiet_hours.start", "HH:MM"),
    ("quiet_hours: {start: '22:00', end: '07:00', timezone: Africa/Bamak}",
     "quiet_hours.timezone", "unknown time zone 'Africa/Bamak'"),
    ("quiet_hours: {start: '07:00', end: '07:00'}", "quiet_hours", "equal"),
])
def test_delivery_settings_are_checked(tmp_path: Path, extra: str, where: str, words: str) -> None:
    msg = error(tmp_path, f"- name: x\n  when: {{}}\n  {extra}\n")
    assert f"rule 'x': {where}: " in msg and words in msg


def test_missing_file_and_wrong_top_level(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such rules file"):
        load_rules(tmp_path / "nope.yaml")
    (tmp_path / "rules.yaml").write_text("- a\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_rules(tmp_path / "rules.yaml")


# -- durations, defaults, modes, quiet hours -------------------------------------------------
@pytest.mark.parametrize(("text", "delta"), [
    ("90s", timedelta(seconds=90)), ("30m", timedelta(minutes=30)),
    ("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
])
def test_durations(tmp_path: Path, text: str, delta: timedelta) -> None:
    rule = load(tmp_path, f"- {{name: x, when: {{}}, throttle: {{window: {text}}}, "
                          f"mode: {{digest: {text}}}}}\n").rules[0]
    assert rule.throttle.window == delta and rule.digest_every == delta and rule.mode_name == "digest"


def test_defaults_apply_only_where_the_rule_is_silent(tmp_path: Path) -> None:
    header = HEADER.replace("channels: [console]\n",
                            "channels: [console]\n  throttle: {window: 6h}\n  mode: {digest: 1h}\n")
    ruleset = load_rules(write(tmp_path, """\
        - {name: a, when: {}}
        - {name: b, when: {}, channels: [ops-mail], throttle: {window: 1h}, mode: immediate}
        """, header))
    a, b = ruleset.rules
    assert a.channels == ["console"] and a.throttle.window == timedelta(hours=6)
    assert isinstance(a.mode, DigestMode) and a.digest_every == timedelta(hours=1)
    assert b.channels == ["ops-mail"] and b.throttle.window == timedelta(hours=1)
    assert b.mode == "immediate" and b.digest_every is None and b.mode_name == "immediate"
    assert isinstance(ruleset.channels["console"], LogChannel)
    assert isinstance(ruleset.channels["ops-mail"], EmailChannel)


def test_rule_defaults_without_a_defaults_section(tmp_path: Path) -> None:
    rule = load(tmp_path, "- {name: x, when: {}}\n").rules[0]
    assert rule.enabled and rule.throttle.window == timedelta(hours=24)
    assert rule.throttle.max_per_hour is None and rule.quiet_hours is None
    assert not rule.in_quiet_hours(datetime(2024, 1, 1, 3, tzinfo=UTC))
    assert not rule.quiet_overridden(100)


def quiet(tmp_path: Path, start: str, end: str, tz: str = "Africa/Bamako", unless: str = ""):
    extra = f", unless_severity_at_least: {unless}" if unless else ""
    return load(tmp_path, f"- {{name: x, when: {{}}, quiet_hours: {{start: '{start}', "
                          f"end: '{end}', timezone: {tz}{extra}}}}}\n").rules[0]


@pytest.mark.parametrize(("hour", "minute", "inside"), [
    (21, 59, False), (22, 0, True), (23, 30, True), (0, 0, True), (6, 59, True), (7, 0, False),
    (12, 0, False),
])
def test_quiet_hours_overnight(tmp_path: Path, hour: int, minute: int, inside: bool) -> None:
    rule = quiet(tmp_path, "22:00", "07:00")  # Bamako is UTC+0 all year
    assert rule.in_quiet_hours(datetime(2024, 3, 5, hour, minute, tzinfo=UTC)) is inside


def test_quiet_hours_daytime_span(tmp_path: Path) -> None:
    rule = quiet(tmp_path, "12:00", "14:00", "UTC")
    assert rule.in_quiet_hours(datetime(2024, 3, 5, 13, tzinfo=UTC))
    assert not rule.in_quiet_hours(datetime(2024, 3, 5, 23, tzinfo=UTC))


def test_quiet_hours_are_in_the_rules_timezone(tmp_path: Path) -> None:
    rule = quiet(tmp_path, "22:00", "07:00", "Europe/Paris")
    # 21:30 UTC is 22:30 in Paris in winter (UTC+1), but 23:30 in summer (UTC+2)
    assert rule.in_quiet_hours(datetime(2024, 1, 10, 21, 30, tzinfo=UTC))
    assert not rule.in_quiet_hours(datetime(2024, 1, 10, 20, 30, tzinfo=UTC))
    assert rule.in_quiet_hours(datetime(2024, 7, 10, 20, 30, tzinfo=UTC))  # 22:30 CEST
    assert rule.in_quiet_hours(datetime(2024, 1, 10, 21, 30))  # naive: taken as UTC


def test_quiet_overridden_by_severity(tmp_path: Path) -> None:
    rule = quiet(tmp_path, "22:00", "07:00", unless="80")
    assert rule.quiet_overridden(80) and rule.quiet_overridden(95)
    assert not rule.quiet_overridden(79)
    assert not quiet(tmp_path, "22:00", "07:00").quiet_overridden(100)


# -- conditions -------------------------------------------------------------------------------
@pytest.mark.parametrize(("when", "hit", "miss"), [
    ("{event_types: [armed_clash, riot]}", {},
     {"event_types": [Label(label="protest", score=0.5)]}),
    ("{topics: [security]}", {}, {"topics": [Label(label="health", score=0.5)]}),
    ("{orgs: [jnim]}", {}, {"orgs": [Org(id="isgs", name="ISGS")]}),
    ("{sources: [minusma]}", {}, {"source": "un-news"}),
    ("{issuers: [un, minusma]}", {}, {"issuer": "oic"}),
    ("{languages: [ar, fr]}", {}, {"lang_code": "en"}),
    ("{severity_at_least: 72}", {}, {"severity": Severity(score=71)}),
    ("{places: {admin1: [Menaka]}}", {}, {"places": [TESSIT]}),
    ("{places: {admin2: [ansongo]}}", {"places": [TESSIT]}, {}),
    ("{places: {country: [ne]}}", {"places": [NIAMEY]}, {}),
    ("{places: {names: [tessit]}}", {"places": [TESSIT]}, {}),
    ("{places: {names: [ميناكا]}}", {}, {"places": [TESSIT]}),
    ("{query: 'attaque NOT exercice'}", {}, {"body": "Un exercice de tir.", "title": "Attaque"}),
])
def test_each_condition_matches_and_does_not(tmp_path: Path, when: str, hit: dict,
                                            miss: dict) -> None:
    ruleset = one_rule(tmp_path, when)
    assert ruleset.match(item(**hit)), "should match"
    assert ruleset.match(item(**miss)) == [], "should not match"


def test_all_conditions_must_hold(tmp_path: Path) -> None:
    ruleset = one_rule(tmp_path, "{topics: [security], orgs: [isgs]}")
    assert ruleset.match(item()) == []
    assert ruleset.match(item(orgs=[Org(id="isgs", name="ISGS")]))


def test_conditions_dump_as_written(tmp_path: Path) -> None:
    when = one_rule(tmp_path, "{topics: [security], query: 'attaque NOT exercice'}").rules[0].when
    assert when.model_dump(exclude_none=True) == {"topics": ["security"],
                                                  "query": "attaque NOT exercice"}


def test_no_condition_matches_everything(tmp_path: Path) -> None:
    (match,) = one_rule(tmp_path, "{}").match(item())
    assert match.matched == [] and match.reasons == []


@pytest.mark.parametrize(("km", "inside"), [(50, False), (180, True)])
def test_near_uses_great_circle_distance(tmp_path: Path, km: int, inside: bool) -> None:
    # Tessit (15.93, 0.77) is about 175 km west of (15.92, 2.40)
    ruleset = one_rule(tmp_path, f"{{places: {{near: {{lat: 15.92, lon: 2.40, km: {km}}}}}}}")
    assert bool(ruleset.match(item(places=[TESSIT]))) is inside


def test_near_accepts_a_list_of_points(tmp_path: Path) -> None:
    ruleset = one_rule(tmp_path, "{places: {near: [{lat: 0, lon: 0, km: 10}, "
                                 "{lat: 15.93, lon: 0.80, km: 10}]}}")
    assert reasons(ruleset, item(places=[MENAKA, TESSIT])) == [
        "places: Tessit within 3 km of (15.93, 0.8)"]


def test_reasons_carry_the_evidence(tmp_path: Path) -> None:
    ruleset = one_rule(tmp_path, """
      event_types: [armed_clash]
      topics: [security]
      places: {admin1: [Ménaka]}
      orgs: [jnim]
      sources: [minusma]
      issuers: [minusma]
      languages: [fr]
      severity_at_least: 60
      query: '(attaque OR attack OR هجوم) AND NOT exercice AND "camp militaire"'""")
    (match,) = ruleset.match(item())
    assert match.rule.name == "r"
    assert match.matched == ["event_types", "topics", "places", "orgs", "sources", "issuers",
                             "languages", "severity_at_least", "query"]
    assert match.reasons == [
        "event_types: armed_clash (combats, attaque)",
        "topics: security (attaque)",
        'places: Ménaka (admin1 Ménaka; "ميناكا")',
        "orgs: jnim (JNIM, GSIM)",
        "sources: minusma",
        "issuers: minusma",
        "languages: fr",
        "severity 72 ≥ 60 (armed_clash; 12 killed)",
        'query: attaque, "camp militaire"',
    ]


def test_query_reads_the_detected_language(tmp_path: Path) -> None:
    ruleset = one_rule(tmp_path, "{query: '\"الأمم المتحدة\"'}")
    arabic = item(title="بيان", body="قالت بعثة للأمم المتحدة", lang_code="ar")
    assert reasons(ruleset, arabic) == ['query: "الأمم المتحدة" (للأمم المتحدة)']


def test_disabled_rules_do_not_match(tmp_path: Path) -> None:
    ruleset = load(tmp_path, "- {name: a, when: {}, enabled: false}\n- {name: b, when: {}}\n")
    assert [m.rule.name for m in ruleset.match(item())] == ["b"]
    assert [r.name for r in ruleset.enabled] == ["b"] and ruleset.get("a").enabled is False


def test_dry_run_yields_every_item_with_its_matches(tmp_path: Path) -> None:
    ruleset = load(tmp_path, "- {name: clash, when: {event_types: [armed_clash]}}\n"
                             "- {name: jnim, when: {orgs: [jnim]}}\n")
    items = [item(), item(id="b", event_types=[]), item(id="c", event_types=[], orgs=[])]
    got = [(it.id, [m.rule.name for m in ms]) for it, ms in dry_run(ruleset, items)]
    assert got == [("https://example.org/a", ["clash", "jnim"]), ("b", ["jnim"]), ("c", [])]


# -- the bundled example ----------------------------------------------------------------------
def test_bundled_rules_load_with_the_real_sources() -> None:
    registry = load_registry(REPO_ROOT / "sources.yaml")
    ruleset = load_rules(REPO_ROOT / "rules.yaml", sources=[s.key for s in registry.sources])
    assert 8 <= len(ruleset.enabled) <= 10
    # one rule of each type beyond one item (the demo prints what they raised)
    assert sorted(r.type for r in ruleset.enabled if r.type != "any") == [
        "flatline", "frequency", "new_term", "spike"]
    # the demo runs offline: enabled rules deliver to the console only
    assert {c for r in ruleset.enabled for c in r.channels} == {"console"}
    assert any(r.when.query is not None for r in ruleset.enabled)
    assert any(r.digest_every is not None for r in ruleset.enabled)
    assert {type(c).__name__ for c in ruleset.channels.values()} >= {
        "LogChannel", "EmailChannel", "WebhookChannel", "SlackChannel", "TeamsChannel"}


def test_bundled_rules_fire_on_a_typical_item() -> None:
    ruleset = load_rules(REPO_ROOT / "rules.yaml")
    fired = {m.rule.name for m in ruleset.match(item(
        title="Attaque contre le camp militaire de Ménaka",
        body="Le JNIM a revendiqué l'attaque du camp militaire de Ménaka."))}
    assert {"violence-centre-north", "armed-groups", "attacks-on-camps"} <= fired


def test_builtin_alert_channels_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text("channels: {console: {type: log}}\n"
                    "builtin: {source-broken: {channels: [console]}}\n"
                    "rules: []\n", encoding="utf-8")
    assert load_rules(path).builtin_channels == {"source-broken": ["console"]}
    path.write_text("channels: {console: {type: log}}\n"
                    "builtin: {source-broken: {channels: [pager]}}\n"
                    "rules: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"builtin\.source-broken\.channels\[0\]: no channel 'pager'"):
        load_rules(path)
    path.write_text("channels: {console: {type: log}}\nbuiltin: {source-gone: {channels: [console]}}\n"
                    "rules: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="source-gone"):
        load_rules(path)
