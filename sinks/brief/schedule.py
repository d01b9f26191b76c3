"""The mailed brief on a schedule inside `veille run`.

Configuration (environment, validated when `veille run` starts, errors naming the variable):

* `VEILLE_BRIEF_SCHEDULE`: `daily HH:MM` (UTC; Bamako's time is UTC) or `every <duration>`
  (`every 12h`); empty (the default) = no scheduled brief.
* `VEILLE_BRIEF_TO`: the recipients, comma-separated (required with a schedule).
* `VEILLE_BRIEF_CHANNEL`: the rules.yaml e-mail channel whose SMTP settings are used; default
  the first channel of type email.
* `VEILLE_BRIEF_TOP`: stories listed (default 10).

A brief is due when the latest scheduled time (today's HH:MM, or the last brief plus the
interval) is later than the last mailed brief's end (`$VEILLE_HOME/brief/last.json`): a
process started after 07:00 sends that day's brief at once, a restart does not send it twice.
It covers the time since the last mailed brief (at most 7 days). An empty brief is not sent
(logged); a failed send is logged and retried at the next due check, 15 minutes later.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("veille.brief")
RETRY_AFTER = timedelta(minutes=15)


class BriefSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VEILLE_BRIEF_", extra="ignore")

    schedule: str = Field(default="", description="daily HH:MM (UTC) or every <duration>; '' = off")
    to: str = Field(default="", description="recipients, comma-separated")
    channel: str = Field(default="", description="rules.yaml e-mail channel; '' = the first")
    top: int = Field(default=10, gt=0)

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str) -> str:
        if value.strip():
            parse_schedule(value)
        return value.strip()

    @property
    def recipients(self) -> list[str]:
        return [a.strip() for a in self.to.split(",") if a.strip()]


@dataclass(frozen=True)
class Schedule:
    daily: tuple[int, int] | None = None
    every: timedelta | None = None

    def latest_slot(self, now: datetime, last: datetime | None) -> datetime:
        """The latest time a brief was due at, not after `now`."""
        if self.daily:
            slot = now.replace(hour=self.daily[0], minute=self.daily[1], second=0, microsecond=0)
            return slot if slot <= now else slot - timedelta(days=1)
        assert self.every is not None
        return now if last is None else last + self.every

    def due(self, now: datetime, last: datetime | None) -> bool:
        slot = self.latest_slot(now, last)
        return slot <= now and (last is None or last < slot)


def parse_schedule(text: str) -> Schedule:
    from veille.durations import parse_duration

    value = text.strip().lower()
    m = re.fullmatch(r"daily\s+(\d{1,2}):(\d{2})", value)
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        return Schedule(daily=(int(m.group(1)), int(m.group(2))))
    m = re.fullmatch(r"every\s+(.+)", value)
    if m:
        try:
            return Schedule(every=parse_duration(m.group(1)))
        except ValueError as exc:
            raise ValueError(f"{text!r}: {exc}") from None
    raise ValueError(f"{text!r} is not a schedule; use 'daily 07:00' (UTC) or 'every 12h'")


def brief_settings() -> BriefSettings:
    """The VEILLE_BRIEF_* settings; a bad one is a ConfigError naming the variable."""
    from veille.settings import ConfigError, read_settings

    settings = read_settings(BriefSettings)
    if settings.schedule and not settings.recipients:
        raise ConfigError("VEILLE_BRIEF_SCHEDULE is set but VEILLE_BRIEF_TO is empty: "
                          "give the recipients, comma-separated")
    return settings


class ScheduledBrief:
    """Called from `veille run`'s loop once a second; when a brief is due, makes and mails it
    in a thread of its own (rendering takes seconds and must not stall collection)."""

    def __init__(self, settings: Any, brief: BriefSettings,
                 health: Callable[[], list[dict[str, Any]]] = list) -> None:
        self.settings = settings
        self.health = health  # the sources' last health documents (given by the CLI)
        self.brief = brief
        self.schedule = parse_schedule(brief.schedule)
        self.running: threading.Thread | None = None
        self.next_check = datetime.min.replace(tzinfo=UTC)

    def tick(self, now: datetime | None = None) -> None:
        from sinks.brief.produce import last_brief

        now = now or datetime.now(UTC)
        if now < self.next_check or (self.running and self.running.is_alive()):
            return
        self.next_check = now + timedelta(seconds=30)
        if self.schedule.due(now, last_brief(self.settings.home, "mail")):
            self.running = threading.Thread(target=self.send, args=(now,), name="brief", daemon=True)
            self.running.start()

    def send(self, now: datetime) -> str:
        """Makes and mails the brief ending `now`; logs and returns what happened."""
        from sinks.brief import produce

        home = self.settings.home
        try:
            last = produce.last_brief(home, "mail")
            window = produce.default_window(now, last, None,
                                            first=self.schedule.every or produce.DEFAULT_SPAN)
            brief = produce.make_brief(produce.store_export(self.settings), window, top=self.brief.top,
                                       alerts=produce.period_alerts(self.settings),
                                       health=self.health(), now=now)
            answer = produce.mail_brief(brief, self.brief.recipients, self.settings.rules_path(),
                                        self.brief.channel or None)
        except produce.BriefRefused as exc:
            produce.record_brief(home, "mail", now)  # nothing to say: the next one starts here
            log.info("scheduled brief: %s", exc)
            return str(exc)
        except Exception as exc:  # noqa: BLE001 - logged, retried at the next check
            self.next_check = now + RETRY_AFTER
            log.error("scheduled brief not sent: %s; retried in 15 minutes", exc)
            return f"not sent: {exc}"
        produce.record_brief(home, "mail", now)
        log.info("scheduled brief mailed (%d items): %s", brief.items, answer)
        return answer


def scheduled_brief(settings: Any,
                    health: Callable[[], list[dict[str, Any]]] = list) -> ScheduledBrief | None:
    """The schedule `veille run` ticks, or None when VEILLE_BRIEF_SCHEDULE is not set."""
    brief = brief_settings()
    return ScheduledBrief(settings, brief, health) if brief.schedule else None
