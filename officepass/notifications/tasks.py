"""The worker's two notification tasks (registered in apps.py), both safe in several processes.

`notifications_collect` finds events in committed rows of the apps below (stays reaching
T−window or T−5, forced checkouts in the audit log, trouble-report replies, availability
changes for seat alerts) and writes each once into the outbox (`Notification`, unique per
event) with one `Delivery` per push subscription, or one e-mail when push is off for that kind.
`deliveries_send` claims each due delivery with a guarded UPDATE and sends it after commit:
no network I/O inside a transaction, nothing sent twice.
"""

import json
import logging
import os
import uuid
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import urllib3
from django.conf import settings
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import CharField, Exists, F, OuterRef, Value
from django.db.models.functions import Cast, Concat
from pywebpush import WebPusher

from officepass.accounts.models import User
from officepass.core import clock
from officepass.core.audit import AuditAction, audit
from officepass.core.models import AuditEntry
from officepass.notifications import vapid
from officepass.notifications.compose import compose, local_time
from officepass.notifications.models import (
    Delivery,
    Kind,
    Notification,
    PushPreference,
    PushSubscription,
    SeatAlert,
)
from officepass.offices.models import Space
from officepass.offices.selectors import symbol
from officepass.stays.models import AvailabilityChange, Stay
from officepass.support.models import TroubleReport

log = logging.getLogger("officepass.worker")

# Events older than this when first seen are not told any more (a worker that was down
# for longer would only send stale news); the audit log and stays keep the facts.
LOOKBACK = timedelta(minutes=15)
DEADLINE_SOON = timedelta(minutes=5)
# Retries: 1 s, 2 s, 4 s … up to MAX_ATTEMPTS, then `failed`.
MAX_ATTEMPTS = 6
BACKOFF_SECONDS = 1.0
# A claim older than this was interrupted (worker killed while sending): it may have reached
# the push service, so it is not re-sent (docs/architecture.md, decision 6) but marked failed.
CLAIM_LEASE = timedelta(minutes=2)
PUSH_TTL_SECONDS = 15 * 60


@dataclass
class Event:
    member: User
    kind: str
    key: str
    url: str
    values: dict[str, object]
    stay: Stay | None = None


# --- finding events -----------------------------------------------------------------------


def _stay_values(stay: Stay, at: datetime) -> dict[str, object]:
    return {
        "office": stay.office.name,
        "space": stay.space.name,
        "time": local_time(at, stay.office.timezone),
    }


def _stays_not_told(kind: str, due: "models.QuerySet[Stay]", limit: int) -> list[Stay]:
    told = Notification.objects.filter(
        kind=kind, stay_id=OuterRef("pk"), deadline=OuterRef("deadline")
    )
    return list(
        due.filter(~Exists(told))
        .select_related("member", "office", "space")
        .only(
            "deadline",
            "member__language",
            "member__email",
            "office__name",
            "office__timezone",
            "space__name",
        )
        .order_by("deadline", "pk")[:limit]
    )


def _stay_events(now: datetime, limit: int) -> list[Event]:
    running = Stay.objects.running(now)
    opened = running.filter(extension_opens_at__lte=now, extension_opens_at__gt=now - LOOKBACK)
    soon = running.filter(deadline__lte=now + DEADLINE_SOON)
    return [
        Event(
            stay.member,
            kind,
            f"{stay.pk}@{stay.deadline.timestamp():.0f}",
            f"/stays/{stay.pk}",
            _stay_values(stay, stay.deadline),
            stay=stay,
        )
        for kind, due in ((Kind.EXTENSION_OPEN, opened), (Kind.DEADLINE_SOON, soon))
        for stay in _stays_not_told(kind, due, limit)
    ]


def _untold(action: str, kinds: list[str], now: datetime) -> list[AuditEntry]:
    """The audit rows of `action` in the look-back window that no notice names yet: a round
    reads only what is new, not every forced checkout of the last 15 minutes again (each
    round, with their stays: 83 ms of worker CPU after 400 forced checkouts, issue 18)."""
    key = Concat(Value("audit:"), Cast("pk", output_field=CharField()))
    told = Notification.objects.filter(kind__in=kinds, key=OuterRef("notice_key"))
    return list(
        AuditEntry.objects.filter(action=action, created_at__gte=now - LOOKBACK)
        .annotate(notice_key=key)
        .filter(~Exists(told))
    )


def _audit_events(now: datetime) -> list[Event]:
    events: list[Event] = []
    ended = _untold(AuditAction.STAY_FORCED_OUT, [Kind.FORCED_OUT, Kind.STAFF_ENDED], now)
    stays = Stay.objects.select_related("member", "office", "space").in_bulk(
        [int(e.target_id) for e in ended]
    )
    for entry in ended:
        stay = stays.get(int(entry.target_id))
        if stay is None or stay.ended_at is None:
            continue
        values = _stay_values(stay, stay.ended_at)
        if entry.actor_id is None:
            kind = Kind.FORCED_OUT
        else:
            kind = Kind.STAFF_ENDED
            values["reason"] = str(entry.data.get("reason", ""))
        events.append(Event(stay.member, kind, f"audit:{entry.pk}", f"/stays/{stay.pk}", values))
    replies = _untold(AuditAction.TROUBLE_REPORT_STATUS, [Kind.TROUBLE_REPLY], now)
    reports = TroubleReport.objects.select_related("member", "office").in_bulk(
        [int(e.target_id) for e in replies]
    )
    for entry in replies:
        report = reports.get(int(entry.target_id))
        if report is None or report.member is None or report.member_id == entry.actor_id:
            continue
        new = entry.data.get("new", report.status)
        status = TroubleReport.Status(new).label if new in TroubleReport.Status.values else new
        values = {"report": report.pk, "office": report.office.name, "status": status}
        events.append(
            Event(report.member, Kind.TROUBLE_REPLY, f"audit:{entry.pk}", "/trouble", values)
        )
    return events


def _alert_events(now: datetime) -> list[Event]:
    """Waiting alerts whose space changed since they were asked, fired once each (guarded)."""
    changed = AvailabilityChange.objects.filter(
        space_id=OuterRef("space_id"), created_at__gte=OuterRef("created_at")
    )
    waiting = (
        SeatAlert.objects.filter(fired_at__isnull=True, expires_at__gt=now)
        .filter(Exists(changed))
        .select_related("member", "space__office")
    )
    events = []
    for alert in waiting:
        space: Space = alert.space
        remaining = space.quota - space.in_use
        mark = symbol(remaining)
        if remaining <= 0 or (alert.want == "plenty" and mark != "○"):
            continue
        with transaction.atomic():
            if not SeatAlert.objects.filter(pk=alert.pk, fired_at__isnull=True).update(
                fired_at=now
            ):
                continue
            audit(actor=None, action=AuditAction.SEAT_ALERT_FIRED, target=alert, symbol=mark)
        values: dict[str, object] = {
            "office": space.office.name,
            "space": space.name,
            "symbol": mark,
        }
        events.append(
            Event(
                alert.member,
                Kind.SEAT_FREE,
                f"alert:{alert.pk}",
                f"/offices/{space.office_id}",
                values,
            )
        )
    return events


def _record(events: list[Event], now: datetime) -> int:
    """Write the events not yet in the outbox, and their deliveries, once (unique keys)."""
    if not events:
        return 0
    by_kind: dict[str, set[str]] = defaultdict(set)
    for e in events:
        by_kind[e.kind].add(e.key)
    known: set[tuple[str, str]] = set()
    for kind, keys in by_kind.items():
        known |= {
            (kind, key)
            for key in Notification.objects.filter(kind=kind, key__in=keys).values_list(
                "key", flat=True
            )
        }
    fresh = [e for e in events if (e.kind, e.key) not in known]
    if not fresh:
        return 0
    rows = []
    for e in fresh:
        title, body = compose(e.member, e.kind, **e.values)
        rows.append(
            Notification(
                member=e.member,
                kind=e.kind,
                key=e.key,
                title=title[:200],
                body=body[:1000],
                url=e.url,
                created_at=now,
                stay=e.stay,
                deadline=e.stay.deadline if e.stay is not None else None,
            )
        )
    Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    _deliveries_for(fresh, now)
    return len(fresh)


def _deliveries_for(events: list[Event], now: datetime) -> None:
    """One delivery per push subscription, or the e-mail fallback, for each new notice.

    Two workers recording the same events both get here; the unique (notification, target)
    keeps one delivery of each."""
    keys: dict[str, list[str]] = defaultdict(list)
    for e in events:
        keys[e.kind].append(e.key)
    notices: list[tuple[int, int, str, str]] = []
    for kind, kind_keys in keys.items():
        notices += Notification.objects.filter(
            kind=kind, key__in=kind_keys, deliveries__isnull=True
        ).values_list("pk", "member_id", "kind", "member__email")
    member_ids = {member_id for _, member_id, _, _ in notices}
    subscriptions: dict[int, list[int]] = defaultdict(list)
    if vapid.configured():
        for pk, member_id in PushSubscription.objects.filter(member_id__in=member_ids).values_list(
            "pk", "member_id"
        ):
            subscriptions[member_id].append(pk)
    off = set(
        PushPreference.objects.filter(member_id__in=member_ids, push=False).values_list(
            "member_id", "kind"
        )
    )
    rows = []
    for pk, member_id, kind, email in notices:
        pushes = [] if (member_id, kind) in off else subscriptions[member_id]
        rows += [
            Delivery(
                notification_id=pk, target=f"push:{sub}", subscription_id=sub, next_attempt_at=now
            )
            for sub in pushes
        ]
        if not pushes and email:
            rows.append(Delivery(notification_id=pk, target="email", next_attempt_at=now))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)


def notifications_collect(*, limit: int = 2000) -> int:
    """One round of finding events; returns how many new notices were written."""
    now = clock.now()
    events = _stay_events(now, limit) + _audit_events(now) + _alert_events(now)
    return _record(events, now)


# --- sending -------------------------------------------------------------------------------


class _Transport:
    """What pywebpush posts through (its `requests_session`): one urllib3 pool per process,
    shared by the sender threads, keep-alive to each push service, no per-request proxy or
    .netrc lookups."""

    def __init__(self) -> None:
        self.pool = urllib3.PoolManager(
            num_pools=32, maxsize=settings.PUSH_SENDER_THREADS, retries=False
        )

    def post(
        self, url: str, *, data: bytes, headers: dict[str, str], timeout: float, **_: Any
    ) -> "urllib3.BaseHTTPResponse":
        response = self.pool.request(
            "POST", url, body=data, headers=headers, timeout=timeout, preload_content=True
        )
        response.status_code = response.status  # type: ignore[attr-defined]
        response.text = response.data.decode("utf-8", "replace")  # type: ignore[attr-defined]
        return response


_transports: dict[int, _Transport] = {}


def _transport() -> _Transport:
    pid = os.getpid()
    if pid not in _transports:
        _transports[pid] = _Transport()
    return _transports[pid]


def payload_of(notice: Notification) -> bytes:
    return json.dumps(
        {
            "title": notice.title,
            "body": notice.body,
            "url": notice.url,
            "kind": notice.kind,
            "tag": f"{notice.kind}:{notice.key}",
        },
        ensure_ascii=False,
    ).encode("utf-8")


def _claim(pks: list[int], now: datetime) -> list[int]:
    """pending → sending, once: the guarded statement that keeps two workers from sending one
    row. The rows this call moved carry its claim token; it reads back exactly those."""
    token = uuid.uuid4()
    Delivery.objects.filter(
        pk__in=pks, status=Delivery.Status.PENDING, next_attempt_at__lte=now
    ).update(
        status=Delivery.Status.SENDING, claimed_at=now, claim=token, attempts=F("attempts") + 1
    )
    return list(Delivery.objects.filter(claim=token).values_list("pk", flat=True))


@dataclass
class Outcome:
    pk: int
    status: str  # sent | gone | retry | failed
    error: str = ""
    code: int = 0


def _push(delivery: Delivery) -> Outcome:
    """Send one push (no database here: it runs in the sender threads)."""
    subscription = delivery.subscription
    if subscription is None:  # unsubscribed or expired after the delivery was written
        return Outcome(delivery.pk, "gone", "unsubscribed")
    pusher = WebPusher(
        {
            "endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
        },
        requests_session=_transport(),
    )
    try:
        response = pusher.send(
            payload_of(delivery.notification),
            headers={**vapid.authorization(subscription.endpoint), "Urgency": "high"},
            ttl=PUSH_TTL_SECONDS,
            content_encoding="aes128gcm",
            timeout=settings.PUSH_TIMEOUT_SECONDS,
        )
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        return Outcome(delivery.pk, "retry", f"network: {exc}")
    code = response.status_code
    if code in (200, 201, 202):
        return Outcome(delivery.pk, "sent", code=code)
    if code in (404, 410):
        return Outcome(delivery.pk, "gone", f"HTTP {code}", code)
    if code == 429 or code >= 500:
        return Outcome(delivery.pk, "retry", f"HTTP {code}", code)
    return Outcome(delivery.pk, "failed", f"HTTP {code}", code)  # 400, 401, 403, 413


def _email(delivery: Delivery) -> Outcome:
    notice = delivery.notification
    body = f"{notice.body}\n\n{settings.SITE_URL.rstrip('/')}{notice.url}"
    try:
        send_mail(notice.title, body, settings.DEFAULT_FROM_EMAIL, [notice.member.email])
    except OSError as exc:
        return Outcome(delivery.pk, "retry", f"smtp: {exc}")
    return Outcome(delivery.pk, "sent")


def _record_outcomes(deliveries: dict[int, Delivery], outcomes: list[Outcome]) -> None:
    """Write what happened; only rows still `sending` (this worker's claim) move."""
    now = clock.now()
    mine = Delivery.objects.filter(status=Delivery.Status.SENDING)
    sent = [o.pk for o in outcomes if o.status == "sent"]
    if sent:
        mine.filter(pk__in=sent).update(status=Delivery.Status.SENT, sent_at=now, last_error="")
    for o in outcomes:
        delivery = deliveries[o.pk]
        if o.status == "failed" or (o.status == "retry" and delivery.attempts >= MAX_ATTEMPTS):
            mine.filter(pk=o.pk).update(status=Delivery.Status.FAILED, last_error=o.error[:300])
        elif o.status == "retry":
            delay = timedelta(seconds=BACKOFF_SECONDS * 2 ** (delivery.attempts - 1))
            mine.filter(pk=o.pk).update(
                status=Delivery.Status.PENDING,
                next_attempt_at=now + delay,
                last_error=o.error[:300],
            )
        elif o.status == "gone":
            with transaction.atomic():
                mine.filter(pk=o.pk).update(status=Delivery.Status.GONE, last_error=o.error)
                subscription = delivery.subscription
                if (
                    subscription is not None
                    and o.code
                    and PushSubscription.objects.filter(pk=subscription.pk).delete()[0]
                ):
                    audit(
                        actor=None,
                        action=AuditAction.PUSH_EXPIRED,
                        target=subscription,
                        status=o.code,
                    )


def deliveries_send(*, limit: int = 2000, batch: int = 200) -> int:
    """Send due deliveries, claimed in batches first; pushes go out from a pool of threads
    (HTTP only) while this thread claims the next batch and records finished ones: every
    database write stays here, after the claim's commit."""
    now = clock.now()
    Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - CLAIM_LEASE
    ).update(status=Delivery.Status.FAILED, last_error="interrupted while sending")
    due = list(
        Delivery.objects.filter(status=Delivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    deliveries: dict[int, Delivery] = {}
    outcomes: list[Outcome] = []
    sent = 0
    running: list[Future[Outcome]] = []
    for start in range(0, len(due), batch):
        claimed = _claim(due[start : start + batch], now)
        if not claimed:
            continue  # another worker has them
        rows = Delivery.objects.select_related("notification__member", "subscription").in_bulk(
            claimed
        )
        deliveries.update(rows)
        for delivery in rows.values():
            if delivery.target == "email":
                outcomes.append(_email(delivery))
            else:
                running.append(_pool().submit(_push, delivery))
        waiting = []
        for future in running:  # done() read once per future: none is lost between lists
            if future.done():
                outcomes.append(future.result())
            else:
                waiting.append(future)
        running = waiting
        if len(outcomes) >= batch:
            _record_outcomes(deliveries, outcomes)
            sent += sum(o.status == "sent" for o in outcomes)
            outcomes = []
    outcomes += [f.result() for f in running]
    _record_outcomes(deliveries, outcomes)
    return sent + sum(o.status == "sent" for o in outcomes)


_pools: dict[int, ThreadPoolExecutor] = {}


def _pool() -> ThreadPoolExecutor:
    """The process's sender threads (one pool per process, made on first use)."""
    pid = os.getpid()
    if pid not in _pools:
        _pools[pid] = ThreadPoolExecutor(
            max_workers=settings.PUSH_SENDER_THREADS, thread_name_prefix="push"
        )
    return _pools[pid]
