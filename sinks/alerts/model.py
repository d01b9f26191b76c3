"""What an alert is and where it may go: the data shared by rule matching, the alert stage,
delivery and the operators' commands.

Why one module: the rule engine (`sinks.alerts.rules`), the stream stage
(`sinks.alerts.stage`) and the Dramatiq delivery actors (`sinks.alerts.delivery`) run in
different processes in distributed mode and must agree on these shapes exactly; an alert
travels as `Alert.model_dump_json()` on the `<ns>.alerts` topic and inside delivery messages.

Secrets never sit in these models: a channel names the environment variable that holds its
secret (`secret_env`, `url_env`, `password_env`), and only the delivering process reads it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# -- channels -------------------------------------------------------------------------------
class LogChannel(_Strict):
    """Writes the alert to the process log and stdout (the console of `veille demo`)."""

    type: Literal["log"]


class EmailChannel(_Strict):
    type: Literal["email"]
    to: list[str] = Field(min_length=1)
    sender: str = Field(default="veille@localhost", alias="from")
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, gt=0, lt=65536)
    starttls: bool = False
    ssl: bool = False
    username_env: str | None = None
    password_env: str | None = None
    timeout: float = Field(default=10.0, gt=0)

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class WebhookChannel(_Strict):
    """Generic JSON POST, body signed with HMAC-SHA256 when `secret_env` is set."""

    type: Literal["webhook"]
    url: str | None = None
    url_env: str | None = None
    secret_env: str | None = None
    timeout: float = Field(default=10.0, gt=0)
    max_bytes: int = Field(default=262_144, ge=4096, description="largest JSON body sent; longer "
                           "titles, summaries and reasons are cut with an ellipsis to fit")


class SlackChannel(_Strict):
    """Slack or Mattermost incoming webhook (same payload format)."""

    type: Literal["slack", "mattermost"]
    url: str | None = None
    url_env: str | None = None
    timeout: float = Field(default=10.0, gt=0)


class TeamsChannel(_Strict):
    """Microsoft Teams workflow or connector webhook (an Adaptive Card in a message envelope)."""

    type: Literal["teams"]
    url: str | None = None
    url_env: str | None = None
    timeout: float = Field(default=10.0, gt=0)


ChannelConfig = Annotated[
    LogChannel | EmailChannel | WebhookChannel | SlackChannel | TeamsChannel,
    Field(discriminator="type"),
]


# -- alerts ---------------------------------------------------------------------------------
AlertStatus = Literal["pending", "digest", "delivered", "failed", "suppressed"]


class Report(BaseModel):
    """One report of a story as a message lists it: its own link, source and language."""

    item_id: str = ""
    title: str = ""
    url: str = ""
    source: str = ""
    language: str = "und"
    published_at: datetime | None = None


class DigestEntry(Report):
    """One alert a digest carries: listed with its own link, source, language and severity
    (a digest used to link only its top alert and repeat that one's source on every line)."""

    alert_id: str = ""
    severity: int = 0
    places: list[str] = Field(default_factory=list)
    event_types: list[str] = Field(default_factory=list)
    reasons: list[str] = Field(default_factory=list)


class Alert(BaseModel):
    """One rule firing on one story (the first matching report of it within the throttle
    window). `id` is derived from rule, story and item, so re-processing the same item gives
    the same alert and delivery stays idempotent."""

    id: str
    rule: str
    rule_type: str = Field(default="any", description="frequency, spike, new_term, flatline or "
                           "any (one item); its reason is the first of `reasons`")
    item_id: str
    story_id: str
    created_at: datetime
    severity: int = 0
    matched: list[str] = Field(default_factory=list, description="condition keys that held")
    reasons: list[str] = Field(default_factory=list, description="one line per condition, with evidence")
    channels: list[str] = Field(default_factory=list)
    mode: Literal["immediate", "digest"] = "immediate"
    status: AlertStatus = "pending"
    digest_id: str | None = Field(default=None, description="the digest that carried it, if held")
    # What a reader of the notification needs without opening the index.
    title: str = ""
    url: str = ""
    source: str = ""
    issuer: str | None = None
    language: str = "und"
    published_at: datetime | None = None
    summary: str = ""
    places: list[str] = Field(default_factory=list)
    event_types: list[str] = Field(default_factory=list)
    topics: list[str] = Field(default_factory=list)
    # What messages show beside the lists above (sinks.alerts.message): each place's region,
    # the words that gave each label, the story's other reports, a digest's alerts.
    regions: dict[str, str] = Field(default_factory=dict, description="place name → its region "
                                    "(Mali's admin1) or, outside Mali, its country code")
    evidence: dict[str, list[str]] = Field(default_factory=dict, description="event type or "
                                           "topic → the words of the text that gave it")
    reports: list[Report] = Field(default_factory=list, description="other reports of the story")
    entries: list[DigestEntry] = Field(default_factory=list, description="a digest's alerts")


def alert_id(rule: str, story_id: str, item_id: str) -> str:
    digest = hashlib.sha256(f"{rule}\x1f{story_id}\x1f{item_id}".encode()).hexdigest()
    return f"al-{digest[:24]}"


def delivery_key(alert: Alert | str, channel: str) -> str:
    """One delivery per alert and channel, however often the message is retried or replayed."""
    aid = alert if isinstance(alert, str) else alert.id
    return f"{aid}:{channel}"
