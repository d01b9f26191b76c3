"""Delivering alerts through Dramatiq: one message per (alert, channel), retried with
exponential back-off, dead-lettered in the ledger when it keeps failing.

`dramatiq sinks.alerts.delivery` runs these actors in worker processes against Redis
(distributed mode); `veille run`/`veille demo` run them in-process on the StubBroker. The
broker is chosen by `veille.broker`, imported before the actor is declared.

How one message is handled (`deliver_alert`):

1. the ledger says the delivery key is delivered → nothing to do (a Dramatiq retry, a broker
   redelivery or an item processed twice never notifies twice);
2. claim the key (a lease of CLAIM_TTL seconds) so a duplicate message running at the same
   moment waits instead of sending too;
3. send; on success mark delivered (which also drops the claim);
4. on failure release the claim and raise `dramatiq.Retry`: the Retries middleware re-enqueues
   with back-off MIN_BACKOFF_MS·2ⁿ capped at MAX_BACKOFF_MS; on the last try (message option
   `retries` has reached `max_retries`) or for a permanent error (4xx, refused recipient,
   missing env var) the failure is written to the ledger as a dead letter and
   `PermanentDeliveryFailure` (the actor's `throws`) ends the message without more retries.

The crash window: a worker killed after the receiver accepted the alert but before the ledger
recorded it will send again once the claim expires and the broker redelivers the message. We
accept that rare repeat (at-least-once: a missed alert is worse than a duplicate) and let
receivers drop it: every webhook carries `X-Veille-Delivery: <key>`, every email a Message-ID
derived from the key. Slack, Mattermost and Teams cannot deduplicate; there a repeat shows.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any

import dramatiq
from dramatiq.middleware import CurrentMessage, TimeLimitExceeded
from prometheus_client import Counter, Histogram

from sinks.alerts import channels as channels_mod
from sinks.alerts.channels import DeliveryError, one_line, parse_channel
from sinks.alerts.ledger import CLAIM_TTL as _LEDGER_CLAIM_TTL
from sinks.alerts.ledger import RedisLedger, SqliteLedger, open_ledger
from sinks.alerts.model import Alert, delivery_key
from sinks.alerts.story_reports import with_story_reports
from veille.broker import broker
from veille.settings import get_settings

log = logging.getLogger(__name__)

QUEUE = "alerts"
MAX_RETRIES = 5
MIN_BACKOFF_MS = 1_000
MAX_BACKOFF_MS = 60_000
TIME_LIMIT_MS = 90_000
"""A send is bounded by the channel's timeout (10 s by default); this bounds the whole try and
stays below CLAIM_TTL so a live send never outlives its claim."""
CLAIM_TTL = _LEDGER_CLAIM_TTL

DELIVERIES = Counter(
    "veille_alert_deliveries_total",
    "Alert delivery tries by outcome: delivered, retry, dead_letter, skipped (already delivered), "
    "in_progress (a duplicate while another worker sends)",
    ["channel_type", "outcome"],
)
DELIVERY_SECONDS = Histogram(
    "veille_alert_delivery_seconds", "Time to send one alert to one channel", ["channel_type"]
)


class PermanentDeliveryFailure(Exception):
    """Raised after the dead letter is written: the actor's `throws`, so Dramatiq fails the
    message at once and logs it at INFO instead of a traceback."""


def prepare_broker(b: dramatiq.Broker) -> dramatiq.Broker:
    """Adds CurrentMessage (how the actor learns which try it is on) unless present."""
    if not any(isinstance(m, CurrentMessage) for m in b.middleware):
        b.add_middleware(CurrentMessage())
    return b


prepare_broker(broker)

# -- the ledger of this process -------------------------------------------------------------
_ledger_lock = threading.Lock()
_ledgers: dict[tuple, SqliteLedger | RedisLedger] = {}


def ledger() -> SqliteLedger | RedisLedger:
    """One ledger per process and setting (tests change VEILLE_HOME and the namespace)."""
    s = get_settings()
    ident = (s.redis_url, s.namespace, str(s.home))
    with _ledger_lock:
        found = _ledgers.get(ident)
        if found is None:
            found = _ledgers[ident] = open_ledger(s)
        return found


# -- the actor ------------------------------------------------------------------------------
def _last_try() -> bool:
    message = CurrentMessage.get_current_message()
    if message is None:  # called directly, not by a worker: there is no retry to wait for
        return True
    retries = message.options.get("retries", 0)
    max_retries = message.options.get("max_retries", deliver_alert.options.get("max_retries", MAX_RETRIES))
    return max_retries is not None and retries >= max_retries


@dramatiq.actor(
    queue_name=QUEUE,
    max_retries=MAX_RETRIES,
    min_backoff=MIN_BACKOFF_MS,
    max_backoff=MAX_BACKOFF_MS,
    time_limit=TIME_LIMIT_MS,
    throws=(PermanentDeliveryFailure,),
)
def deliver_alert(alert_json: str, channel_name: str, channel_config: dict) -> None:
    """Sends one alert to one channel, at most once per delivery key (see the module doc)."""
    alert = Alert.model_validate_json(alert_json)
    key = delivery_key(alert, channel_name)
    book = ledger()
    try:
        channel = parse_channel(channel_config)
    except Exception as exc:  # a message no retry can fix
        error = f"channel {channel_name!r}: bad configuration: {one_line(str(exc))[:300]}"
        _dead_letter(book, key, alert, channel_name, str(channel_config.get("type", "?")), error, 0)
        raise PermanentDeliveryFailure(error) from None
    ctype = channel.type

    if book.was_delivered(key):
        DELIVERIES.labels(ctype, "skipped").inc()
        log.debug("alert delivery %s: already delivered", key)
        return
    if not book.claim(key, CLAIM_TTL):
        if book.was_delivered(key):
            DELIVERIES.labels(ctype, "skipped").inc()
            return
        DELIVERIES.labels(ctype, "in_progress").inc()
        if _last_try():
            log.warning("alert delivery %s: still being sent by another worker; leaving it to that one", key)
            return
        wait = min(book.claim_remaining(key), CLAIM_TTL) + 0.5
        raise dramatiq.Retry(f"{key} is being sent by another worker", delay=int(wait * 1000))

    alert = with_story_reports(alert)  # the story's other reports, as the store has them now
    started = time.monotonic()
    try:
        answer = channels_mod.send(alert, channel_name, channel, key)
    except (Exception, TimeLimitExceeded) as exc:
        DELIVERY_SECONDS.labels(ctype).observe(time.monotonic() - started)
        if isinstance(exc, DeliveryError):
            error, permanent = str(exc), exc.permanent
        elif isinstance(exc, TimeLimitExceeded):
            error, permanent = f"channel {channel_name!r} ({ctype}): timed out after {TIME_LIMIT_MS // 1000} s", False
        else:  # a bug: say what, not the arguments (which could hold anything)
            error, permanent = f"channel {channel_name!r} ({ctype}): {type(exc).__name__}", False
        attempts = book.record_attempt(key, error)
        book.release(key)
        if permanent or _last_try():
            _dead_letter(book, key, alert, channel_name, ctype, error, attempts)
            raise PermanentDeliveryFailure(error) from None
        DELIVERIES.labels(ctype, "retry").inc()
        log.warning("alert delivery %s failed (try %d), will retry: %s", key, attempts, error)
        raise dramatiq.Retry(error) from None

    DELIVERY_SECONDS.labels(ctype).observe(time.monotonic() - started)
    book.record_attempt(key)
    book.mark_delivered(key)
    DELIVERIES.labels(ctype, "delivered").inc()
    log.info("alert delivered: %s via %s (%s): %s", alert.id, channel_name, ctype, answer)


def _dead_letter(book: Any, key: str, alert: Alert, channel: str, ctype: str, error: str, attempts: int) -> None:
    book.mark_failed(key, alert, channel, error, attempts, channel_type=ctype)
    DELIVERIES.labels(ctype, "dead_letter").inc()
    log.error("alert delivery %s failed for good after %d tries: %s", key, attempts, error)


# -- sending --------------------------------------------------------------------------------
def enqueue_delivery(
    alert: Alert,
    channels: Mapping[str, Any],
    *,
    broker: dramatiq.Broker | None = None,
    **options: Any,
) -> list[str]:
    """Sends one `deliver_alert` message per channel named in `alert.channels` and returns
    their delivery keys.

    `channels` maps channel names to their configuration (models or dicts). Keys the ledger
    already has as delivered are not sent again (a replayed item costs no queue traffic; the
    actor would skip them anyway). A channel the alert names but `channels` lacks is recorded
    as a dead letter saying so, where `veille alerts failed` shows it. `broker` defaults to the
    actor's (veille.broker); `options` are Dramatiq message options (`max_retries`,
    `min_backoff`, `max_backoff`, `delay`), which tests use to shorten back-off.
    """
    names = list(dict.fromkeys(alert.channels))
    if not names:
        return []
    book = ledger()
    keys = {name: delivery_key(alert, name) for name in names}
    done = book.status(list(keys.values()))
    alert_json = alert.model_dump_json()
    delay = options.pop("delay", None)
    target = broker or deliver_alert.broker
    sent = []
    for name in names:
        key = keys[name]
        if done.get(key) == "delivered":
            continue
        config = channels.get(name)
        if config is None:
            _dead_letter(book, key, alert, name, "?", f"channel {name!r} is not configured", 0)
            continue
        if not isinstance(config, dict):
            config = config.model_dump(mode="json", by_alias=True)
        message = deliver_alert.message_with_options(args=(alert_json, name, config), **options)
        target.enqueue(message, delay=delay)
        sent.append(key)
    return sent


def deliver_now(alert: Alert, channel_name: str, channel_config: Any) -> str | None:
    """One try of one delivery in this process, no broker, no retry (`veille alerts retry` in
    the embedded default): None when delivered (or delivered before), else the error, which
    the ledger holds again as a dead letter."""
    if not isinstance(channel_config, dict):
        channel_config = channel_config.model_dump(mode="json", by_alias=True)
    alert = alert.model_copy(update={"channels": [channel_name]})
    try:
        deliver_alert.fn(alert.model_dump_json(), channel_name, channel_config)
    except PermanentDeliveryFailure as exc:
        return str(exc)
    if not ledger().was_delivered(delivery_key(alert, channel_name)):
        return f"channel {channel_name!r}: being sent by another process; see `veille alerts list`"
    return None


def retry_failed(ruleset: Any, key: str | None) -> list[tuple[str, bool]]:
    """Sends failed deliveries again (`key`, or every one when None) with the channel as the
    rules file defines it now: at once in this process in the embedded default, through the
    delivery queue on Redis (VEILLE_REDIS_URL). Returns one (line saying what happened, whether
    it failed again) per delivery; a key that is not failed or whose channel is gone is a
    ConfigError."""
    from sinks.alerts.ledger import open_ledger
    from veille.settings import ConfigError, get_settings

    book = open_ledger()
    try:
        failed = book.failed(1_000_000)
        if key:
            failed = [f for f in failed if f.key == key]
            if not failed:
                raise ConfigError(f"no failed delivery with key {key!r} (see `veille alerts failed`)")
            if failed[0].channel not in ruleset.channels:
                raise ConfigError(f"channel {failed[0].channel!r} is no longer defined in "
                                  f"{ruleset.path}; define it again or leave the delivery failed")
        todo = [f for f in failed if f.channel in ruleset.channels]
        for f in todo:
            book.clear_failed(f.key)
    finally:
        book.close()
    done = [(f"skipped {f.key}: channel {f.channel} is no longer in {ruleset.path}", False)
            for f in failed if f.channel not in ruleset.channels]
    queued = bool(get_settings().redis_url)
    for f in todo:
        config = ruleset.channels[f.channel]
        if queued:
            enqueue_delivery(f.alert.model_copy(update={"channels": [f.channel]}), {f.channel: config})
            done.append((f"queued {f.key} again on {f.channel} (`veille alert` workers deliver "
                         "it)", False))
        else:
            error = deliver_now(f.alert, f.channel, config)
            done.append((f"delivered {f.key} on {f.channel}" if error is None
                         else f"failed again {f.key}: {error[:500]}", error is not None))
    return done
