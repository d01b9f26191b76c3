"""Alert rules (`rules.yaml`): what the monitoring team wants to hear about, and where.

The file is read once at start and validated completely (see docs/alerts.md, "Rules"): a typo
in a label, a region, an organisation id, a source key or a channel name would otherwise make a
rule that silently never fires, which for an alerting system is the worst failure. Every error
is a `ConfigError` whose message names the file, the rule and the key path, and says what is
allowed.

This module holds the models and their loading; matching (`RuleSet.match`) calls one check
per condition, in `sinks.alerts.conditions`: pure and fast, plain comparisons on the
enrichment, except the keyword query, whose text analysis is done once per item and shared by
every rule (`sinks.alerts.query.Document`). Each condition that held yields one line of
evidence, so an analyst reading the alert sees why it fired.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal, get_args, get_origin
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_serializer,
    field_validator,
    model_validator,
)

from sinks.alerts.conditions import CONDITIONS, View, document, fold
from sinks.alerts.model import ChannelConfig
from sinks.alerts.query import Document, Query, QueryError
from veille.durations import EXAMPLES, parse_duration
from veille.schema import EVENT_TYPES, TOPICS, EnrichedItem, primary_language
from veille.settings import ConfigError

NAME_CHARS = "lower-case letters, digits, '-' and '_', starting with a letter or digit"


# -- reference data: read from the classifiers' own files, never copied -----------------------
@cache
def known_orgs() -> frozenset[str]:
    """Organisation ids of processors/data/orgs.yaml (what `enrichment.orgs[].id` can be)."""
    from processors.orgs import default_finder

    return frozenset(default_finder().names)


@cache
def mali_regions() -> dict[str, str]:
    """Folded name → the gazetteer's spelling of Mali's admin1 regions (the 11 of BRIEF)."""
    from processors.places import default_gazetteer

    names = {p.admin1 for p in default_gazetteer().places if p.country == "ML" and p.admin1}
    return {fold(n): n for n in names}


def _suggest(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}? " if close else ""


# -- field types ------------------------------------------------------------------------------
def _duration(value: Any) -> timedelta:
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected a duration like {EXAMPLES}, got {value!r}")
    return parse_duration(value)


Duration = Annotated[timedelta, BeforeValidator(_duration)]


def _clock(value: Any) -> time:
    if isinstance(value, int):  # YAML 1.1 reads 22:00 unquoted as the base-60 number 1320
        raise ValueError(f"write the time in quotes, like \"22:00\" (YAML read {value!r} as a "
                         "number)")
    if isinstance(value, str) and len(value) == 5 and value[2] == ":":
        try:
            return time.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"expected a time as \"HH:MM\" (24-hour clock), got {value!r}")


def _name(value: str) -> str:
    if not value or not (value[0].isascii() and value[0].isalnum()) or value.lower() != value \
            or any(not (c.isascii() and (c.isalnum() or c in "-_")) for c in value):
        raise ValueError(f"{value!r}: names are {NAME_CHARS} (e.g. menaka-violence)")
    return value


def _one_of(kind: str, known: Iterable[str], value: str, hint: str = "") -> str:
    known = sorted(known)
    if value not in known:
        listed = hint or f"known: {', '.join(known)}"
        raise ValueError(f"unknown {kind} {value!r} ({_suggest(value, known)}{listed})")
    return value


def _event_type(value: str) -> str:
    return _one_of("event type", EVENT_TYPES, value)


def _topic(value: str) -> str:
    return _one_of("topic", TOPICS, value)


def _org(value: str) -> str:
    return _one_of("organisation id", known_orgs(), value,
                   "ids are the keys of processors/data/orgs.yaml")


def _admin1(value: str) -> str:
    regions = mali_regions()
    if fold(value) not in regions:
        raise ValueError(f"unknown region {value!r} ({_suggest(value, regions.values())}"
                         f"Mali's regions: {', '.join(sorted(regions.values()))})")
    return regions[fold(value)]


def _country(value: str) -> str:
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValueError(f"{value!r}: expected an ISO 3166-1 alpha-2 code such as ML, NE, BF")
    return value.upper()


def _language(value: str) -> str:
    code = primary_language(value) or ""
    if not (2 <= len(code) <= 3 and code.isascii() and code.isalpha()):
        raise ValueError(f"{value!r}: expected a language code such as ar, fr, en, bm")
    return code


def _source(value: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get("sources")
    if known is not None:
        _one_of("source", known, value)
    return value


def _query(value: Any) -> Query:
    if isinstance(value, Query):
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected the query as text, got {value!r}")
    try:
        return Query(value)
    except QueryError as exc:
        raise ValueError(f"{exc} in {value!r}") from None


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, dict) else value


def _strings(check: Callable[..., str] | None = None) -> Any:
    """A non-empty list of non-empty strings, each checked: errors then point at the index."""
    item = Annotated[str, Field(min_length=1)]
    if check is not None:
        item = Annotated[item, AfterValidator(check)]
    return Annotated[list[item], Field(min_length=1)] | None  # type: ignore[valid-type]


EventTypes = _strings(_event_type)
Topics = _strings(_topic)
Admin1s = _strings(_admin1)
Countries = _strings(_country)
Orgs = _strings(_org)
Sources = _strings(_source)
Languages = _strings(_language)
Texts = _strings()


# -- models -----------------------------------------------------------------------------------
class _Strict(BaseModel):
    """Unknown keys are errors (listing the allowed ones, see `_describe`): a typo such as
    `serverity_at_least` must not become a condition quietly ignored."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)


class ThrottleConfig(_Strict):
    """A rule's `throttle:` (the throttle itself, a store of claims, is sinks.alerts.throttle)."""

    window: Duration = Field(default=timedelta(hours=24),
                             description="at most one alert per story and rule in this window")
    max_per_hour: int | None = Field(default=None, ge=1,
                                     description="cap on this rule's alerts per hour")


class DigestMode(_Strict):
    digest: Duration


def _mode(value: Any) -> Any:
    if value == "immediate" or isinstance(value, DigestMode):
        return value
    if isinstance(value, dict) and set(value) == {"digest"}:
        return DigestMode(digest=_duration(value["digest"]))
    raise ValueError(f"expected immediate or {{digest: 30m}}, got {value!r}")


Mode = Annotated[Literal["immediate"] | DigestMode, BeforeValidator(_mode)]


class QuietHours(_Strict):
    """A daily span in local time when alerts wait (start > end: over midnight)."""

    start: Annotated[time, BeforeValidator(_clock)]
    end: Annotated[time, BeforeValidator(_clock)]
    timezone: str = "UTC"
    unless_severity_at_least: int | None = Field(default=None, ge=0, le=100)

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name such as "
                             "Africa/Bamako, Europe/Paris, UTC)") from None
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("start and end are equal: the span would be empty or the whole day")
        return self

    def covers(self, at: datetime) -> bool:
        local = (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(ZoneInfo(self.timezone))
        now = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= now < self.end
        return now >= self.start or now < self.end


class Near(_Strict):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    km: float = Field(gt=0)


class Places(_Strict):
    """Any of these holds for any of the item's places (OR)."""

    admin1: Admin1s = None
    admin2: Texts = None
    country: Countries = None
    names: Texts = None
    near: Annotated[list[Near], Field(min_length=1), BeforeValidator(_listed)] | None = None

    @model_validator(mode="after")
    def _something(self) -> Places:
        if not self.model_fields_set:
            raise ValueError(f"give at least one of {', '.join(type(self).model_fields)}")
        return self


class When(_Strict):
    """Conditions, all of which must hold (AND); a list is any-of (OR)."""

    event_types: EventTypes = None
    topics: Topics = None
    places: Places | None = None
    orgs: Orgs = None
    sources: Sources = None
    issuers: Texts = None
    languages: Languages = None
    severity_at_least: int | None = Field(default=None, ge=0, le=100)
    query: Annotated[Query, BeforeValidator(_query)] | None = None

    @field_serializer("query")
    def _query_text(self, query: Query | None) -> str | None:
        return query.text if query is not None else None


# -- rule types beyond one item (their evaluation: sinks.alerts.ruletypes) ---------------------
RuleType = Literal["any", "frequency", "spike", "new_term", "flatline"]
RULE_TYPES: tuple[str, ...] = get_args(RuleType)


class Frequency(_Strict):
    """`count` reports within `within`: of one story (`per: story`) or of every item the
    conditions match (`per: rule`); `distinct: source` counts sources, not reports."""

    count: int = Field(ge=2)
    within: Duration
    per: Literal["story", "rule"] = "story"
    distinct: Literal["item", "source"] = "item"


class Spike(_Strict):
    """Reports per `by` value in the last `window` against their mean per `window` over the
    `baseline` before it: at least `min_count` and `ratio` times the mean."""

    by: Literal["admin1", "place", "country", "topic", "event_type", "source"] = "admin1"
    ratio: float = Field(default=3.0, gt=1)
    min_count: int = Field(default=5, ge=1)
    window: Duration = timedelta(days=1)
    baseline: Duration = timedelta(days=14)
    alert_on_new: bool = Field(default=False, description="also when the baseline is empty")

    @model_validator(mode="after")
    def _longer(self) -> Spike:
        if self.baseline < self.window:
            raise ValueError("baseline: must be at least as long as window")
        return self


class NewTerm(_Strict):
    """A value of `field` not named in any matching item of the `lookback` before."""

    field: Literal["orgs", "admin1", "places", "issuers"] = "orgs"
    only: Texts = None
    lookback: Duration = timedelta(days=30)

    @model_validator(mode="after")
    def _known(self) -> NewTerm:
        """Organisation ids and regions in `only` are checked as in `when` (a typo would
        watch nothing)."""
        check = {"orgs": _org, "admin1": _admin1}.get(self.field)
        if check is not None and self.only:
            self.only = [check(value) for value in self.only]
        return self


class Flatline(_Strict):
    """Fewer than one matching item for `within` (per source with `per: source`)."""

    within: Duration
    per: Literal["rule", "source"] = "rule"


class Rule(_Strict):
    name: Annotated[str, AfterValidator(_name)]
    description: str = ""
    enabled: bool = True
    when: When
    type: RuleType = "any"
    frequency: Frequency | None = None
    spike: Spike | None = None
    new_term: NewTerm | None = None
    flatline: Flatline | None = None
    channels: list[str] = Field(default_factory=list)
    throttle: ThrottleConfig = Field(default_factory=ThrottleConfig)
    mode: Mode = "immediate"
    quiet_hours: QuietHours | None = None

    @model_validator(mode="after")
    def _type_block(self) -> Rule:
        """The block of the rule's type is required, the others' are errors (a `spike:` block
        on a `frequency` rule would be silently ignored)."""
        for name in RULE_TYPES[1:]:
            given = getattr(self, name) is not None
            if name == self.type and not given:
                raise ValueError(f"type {name} needs its options under '{name}:' "
                                 "(see docs/alerts.md, \"Rule types\")")
            if name != self.type and given:
                raise ValueError(f"'{name}:' is for rules of type {name}; this rule's type is "
                                 f"{self.type} (set type: {name}, or remove the block)")
        return self

    @property
    def options(self) -> Frequency | Spike | NewTerm | Flatline | None:
        """The options of the rule's type (None for `any`)."""
        return getattr(self, self.type) if self.type != "any" else None

    @property
    def digest_every(self) -> timedelta | None:
        """The digest interval, None for immediate delivery."""
        return self.mode.digest if isinstance(self.mode, DigestMode) else None

    @property
    def mode_name(self) -> Literal["immediate", "digest"]:
        return "immediate" if self.digest_every is None else "digest"

    def describe_throttle(self) -> str:
        """The throttle in words, for a table: its window, and its hourly cap if any."""
        from veille.durations import format_duration

        cap = self.throttle.max_per_hour
        return f"1 per story / {format_duration(self.throttle.window)}" + (
            f"\nat most {cap}/hour" if cap else "")

    def describe_mode(self) -> str:
        """The delivery mode in words, for a table: immediate, or digest every <duration>."""
        from veille.durations import format_duration

        every = self.digest_every
        return f"digest every {format_duration(every)}" if every else "immediate"

    def describe_when(self) -> str:
        """The conditions and the type's options, one per line, lists joined (for a table)."""

        def flat(prefix: str, value: Any) -> list[str]:
            if isinstance(value, dict):
                return [line for k, v in value.items() for line in flat(f"{prefix}.{k}", v)]
            if isinstance(value, list):
                if value and isinstance(value[0], dict):
                    return [line for v in value for line in flat(prefix, v)]
                return [f"{prefix}: {', '.join(map(str, value))}"]
            if isinstance(value, timedelta):
                from veille.durations import format_duration

                value = format_duration(value)
            return [f"{prefix}: {value}"]

        when = self.when.model_dump(exclude_none=True, exclude_defaults=True)
        lines = [line for k, v in when.items() for line in flat(k, v)] or ["every item"]
        if self.options is not None:
            lines += flat(self.type, self.options.model_dump())
        return "\n".join(lines)

    def in_quiet_hours(self, at: datetime) -> bool:
        """Whether `at` (naive = UTC) falls in the rule's quiet hours; False without any."""
        return self.quiet_hours is not None and self.quiet_hours.covers(at)

    def quiet_overridden(self, severity: int) -> bool:
        """Whether an item this severe is delivered even in quiet hours (`unless_severity_at_
        least`); False when the rule has no quiet hours or no such threshold."""
        qh = self.quiet_hours
        return qh is not None and qh.unless_severity_at_least is not None \
            and severity >= qh.unless_severity_at_least

    def match(self, item: EnrichedItem, doc: Document | None = None) -> RuleMatch | None:
        """The evidence when every condition holds, else None. `doc`: the item's analysed text,
        shared between rules (built here when needed and not given)."""
        view = View(item, doc)
        matched: list[str] = []
        reasons: list[str] = []
        for key in When.model_fields:
            value = getattr(self.when, key)
            if value is None:
                continue
            reason = CONDITIONS[key](value, view)
            if reason is None:
                return None
            matched.append(key)
            reasons.append(reason)
        return RuleMatch(self, matched, reasons)


class Defaults(_Strict):
    channels: list[str] | None = None
    throttle: ThrottleConfig | None = None
    mode: Mode | None = None
    quiet_hours: QuietHours | None = None


class Builtin(_Strict):
    """Where the alerts veille raises by itself go (not matched on items)."""

    channels: list[str] = Field(min_length=1)



class _File(_Strict):
    channels: dict[Annotated[str, AfterValidator(_name)], ChannelConfig] = Field(
        default_factory=dict)
    defaults: Defaults = Field(default_factory=Defaults)
    builtin: dict[Literal["source-broken"], Builtin] = Field(default_factory=dict)
    rules: list[Rule]


# -- matching (each condition's check: sinks.alerts.conditions) -------------------------------
@dataclass(frozen=True)
class RuleMatch:
    """A rule that held for an item: the condition keys that held, and one line of evidence
    per condition (what the alert shows)."""

    rule: Rule
    matched: list[str]
    reasons: list[str]


# -- the rule set and its loading -------------------------------------------------------------
@dataclass
class RuleSet:
    """Validated rules and channels, as `load_rules` returns them."""

    path: Path
    rules: list[Rule]
    channels: dict[str, ChannelConfig]
    builtin_channels: dict[str, list[str]] = field(default_factory=dict)
    """Channels of the built-in alerts ("source-broken"): the file's `builtin:` section, else
    its `defaults.channels`; absent when the file names neither."""

    @property
    def enabled(self) -> list[Rule]:
        return [r for r in self.rules if r.enabled]

    def channel_secrets(self, name: str) -> list[str]:
        """The environment variables channel `name` reads its secrets from (its *_env keys)."""
        channel = self.channels.get(name)
        if channel is None:
            return []
        return [value for key, value in channel.model_dump().items()
                if key.endswith("_env") and value]

    def missing_secrets(self, environ: Any = None) -> list[tuple[str, str, list[str]]]:
        """(channel, variable, users) for each secret a used channel reads from an unset (or
        empty) environment variable; users are the enabled rules and built-in alerts sending
        there. Channels only disabled rules name are left out."""
        import os

        environ = os.environ if environ is None else environ
        users: dict[str, list[str]] = {}
        for rule in self.enabled:
            for channel in rule.channels:
                users.setdefault(channel, []).append(rule.name)
        for alert, channels in self.builtin_channels.items():
            for channel in channels:
                users.setdefault(channel, []).append(f"builtin {alert}")
        return [(channel, var, names) for channel, names in users.items()
                for var in self.channel_secrets(channel) if not environ.get(var)]

    def missing_secrets_message(self, missing: list[tuple[str, str, list[str]]]) -> str:
        """One line naming each channel whose secret is unset, its variable and who sends there."""
        parts = [f"channel {channel} needs {var} (used by {', '.join(users)})"
                 for channel, var, users in missing]
        return (f"{self.path}: secret not set: {'; '.join(parts)}. Set it in the environment of "
                "the process that delivers (docker compose: .env, see .env.example), or disable "
                "the rule; `veille rules check --no-secrets` checks the file alone")

    def listing(self, muted: dict[str, datetime]) -> list[dict[str, Any]]:
        """One row a rule (`veille rules list`): its type, channels and delivery mode, and
        until when it is muted (`muted`: rule → end of its mute, `sinks.alerts.windows`)."""
        return [{"rule": r.name, "type": r.type, "enabled": r.enabled, "channels": r.channels,
                 "mode": r.mode_name, "muted_until": muted[r.name].isoformat() if r.name in muted
                 else None, "description": r.description} for r in self.rules]

    def get(self, name: str) -> Rule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise KeyError(f"no rule {name!r} in {self.path}")

    def named(self, name: str) -> Rule:
        """The rule called `name`; a ConfigError naming the file and the rules it has."""
        try:
            return self.get(name)
        except KeyError:
            names = [r.name for r in self.rules]
            raise ConfigError(f"{self.path}: no rule {name!r} ({_suggest(name, names)}rules: "
                              f"{', '.join(names)})") from None

    def match(self, item: EnrichedItem) -> list[RuleMatch]:
        """Every enabled rule that holds for the item, in file order."""
        view_doc: list[Document] = []  # built by the first rule that needs it, then shared

        def doc() -> Document:
            if not view_doc:
                view_doc.append(document(item))
            return view_doc[0]

        matches = []
        for rule in self.enabled:
            found = rule.match(item, doc() if rule.when.query is not None else None)
            if found is not None:
                matches.append(found)
        return matches


def dry_run(ruleset: RuleSet, items: Iterable[EnrichedItem]
            ) -> Iterator[tuple[EnrichedItem, list[RuleMatch]]]:
    """Each item with the rules it matches (maybe none), for `veille rules test`."""
    for item in items:
        yield item, ruleset.match(item)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A key written twice in one mapping (two `when:` in a rule) is an error, not "the last
    one wins"."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} appears twice in one mapping", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_rules(path: Path, *, sources: Iterable[str] | None = None) -> RuleSet:
    """Reads and validates a rules file; every problem found is in the one `ConfigError`.
    `sources`: the known source keys (sources.yaml), to check `when.sources`; None skips it."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such rules file (set VEILLE_RULES or create it)") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(f"{path}: {where}not valid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping with 'channels', 'defaults' and 'rules'")
    context = {"sources": frozenset(sources) if sources is not None else None}
    try:
        parsed = _File.model_validate(raw, context=context)
    except ValidationError as exc:
        raise ConfigError("\n".join(_describe(path, e, raw) for e in exc.errors())) from None
    rules = [_with_defaults(rule, parsed.defaults) for rule in parsed.rules]
    problems = list(_references(parsed, rules, raw))
    if problems:
        raise ConfigError("\n".join(f"{path}: {p}" for p in problems))
    builtin = {name: list(b.channels) for name, b in parsed.builtin.items()}
    if "source-broken" not in builtin and parsed.defaults.channels:
        builtin["source-broken"] = list(parsed.defaults.channels)
    return RuleSet(path, rules, dict(parsed.channels), builtin)


def _with_defaults(rule: Rule, defaults: Defaults) -> Rule:
    update = {key: getattr(defaults, key) for key in defaults.model_fields_set
              if key not in rule.model_fields_set and getattr(defaults, key) is not None}
    return rule.model_copy(update=update) if update else rule


def _rule_label(raw: dict[str, Any], index: int) -> str:
    entries = raw.get("rules") if isinstance(raw.get("rules"), list) else []
    entry = entries[index] if index < len(entries) else None
    name = entry.get("name") if isinstance(entry, dict) else None
    return f"rule {name!r}" if isinstance(name, str) and name else f"rules[{index}] (no name)"


def _path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _describe(path: Path, error: dict[str, Any], raw: dict[str, Any]) -> str:
    loc = list(error["loc"])
    kind = error["type"]
    msg = error["msg"].removeprefix("Value error, ")
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(loc[:-1])
        msg = f"unknown key {key!r}"
        if allowed:
            msg += f" ({_suggest(key, allowed)}allowed: {', '.join(allowed)})"
    elif kind == "missing":
        msg = "required key missing"
    elif kind == "too_short":
        msg = "empty list: list at least one value, or remove the key"
    where = [str(path)]
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int):
        where.append(_rule_label(raw, loc[1]))
        loc = loc[2:]
    elif len(loc) >= 3 and loc[0] == "channels":
        channel = (raw.get("channels") or {}).get(loc[1])
        if isinstance(channel, dict) and loc[2] == channel.get("type"):
            del loc[2]  # the discriminator pydantic adds: not a key of the file
    if loc:
        where.append(_path(loc))
    return ": ".join([*where, msg])


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The models an annotation can hold (through Annotated, Optional, list, dict values)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    args = get_args(annotation)
    if get_origin(annotation) is dict:
        args = args[1:]
    return [m for arg in args for m in _models_in(arg)]


def _allowed_keys(loc: list[Any]) -> list[str]:
    """The keys the model at `loc` (pydantic's error location) accepts, for the error text."""
    models: list[type[BaseModel]] = [_File]
    for part in loc:
        if isinstance(part, int):
            continue
        fields = [m.model_fields[part] for m in models if part in m.model_fields]
        if fields:
            models = [m for f in fields for m in _models_in(f.annotation)]
            continue
        # a channel's name (stay on the union), or the channel type pydantic adds to the
        # location of a discriminated union's error (pick that member)
        tagged = [m for m in models if "type" in m.model_fields
                  and part in get_args(m.model_fields["type"].annotation)]
        models = tagged or models
    if len(models) != 1:
        return []
    return [f.alias or name for name, f in models[0].model_fields.items()]


def _references(parsed: _File, rules: list[Rule], raw: dict[str, Any]) -> Iterator[str]:
    """Cross-references pydantic cannot see: unique names, defined channels."""
    defined = sorted(parsed.channels)
    listed = f"defined: {', '.join(defined)}" if defined else "no channels are defined"

    def unknown(name: str) -> str:
        return f"no channel {name!r} is defined ({_suggest(name, defined)}{listed})"

    for j, name in enumerate(parsed.defaults.channels or []):
        if name not in parsed.channels:
            yield f"defaults.channels[{j}]: {unknown(name)}"
    for alert, builtin in parsed.builtin.items():
        for j, name in enumerate(builtin.channels):
            if name not in parsed.channels:
                yield f"builtin.{alert}.channels[{j}]: {unknown(name)}"
    first: dict[str, int] = {}
    for i, rule in enumerate(rules):
        label = _rule_label(raw, i)
        if rule.name in first:
            yield f"{label}: name: duplicate: rules[{first[rule.name]}] has the same name"
        first.setdefault(rule.name, i)
        if not rule.channels:
            yield f"{label}: channels: none given: list some, or set defaults.channels"
        own = parsed.rules[i].channels  # inherited ones were reported under defaults
        for j, name in enumerate(own):
            if name not in parsed.channels:
                yield f"{label}: channels[{j}]: {unknown(name)}"
