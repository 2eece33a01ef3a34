"""Delivering outbox events to one target: batches in id order, signed webhooks or CSV files, retries, dead letters.

A receiver that cannot be reached or answers 5xx pauses the target with backoff; the cursor stays, so nothing is
skipped however long the outage lasts. Only a batch the receiver refuses for good (4xx) is dead-lettered, and a
requeued dead letter never delivers an event older than one of the same entity the receiver already has.
"""
import csv
import hashlib
import hmac
import http.client
import io
import json
import os
import time
import urllib.error
import urllib.request
from datetime import timedelta
from pathlib import Path

from flask import current_app

from app.clock import utcnow
from app.extensions import db
from app.models.dispatch import CSV_DROP, DeadLetter, DispatchRun, DispatchTarget, OutboxEvent
from app.models.region import Region
from app.outbox import ENVELOPE_FIELDS
from app.security import pii

SIGNATURE_HEADER = "X-Portal-Signature"
TIMESTAMP_HEADER = "X-Portal-Timestamp"


TRANSIENT_4XX = {408, 425, 429}  # "try again later" answers


class DeliveryFailed(Exception):
    """The receiver did not accept the batch; `permanent` when it refused it for good (a 4xx answer)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over '<timestamp>.<body>', as the receiver recomputes it."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def event_record(event: OutboxEvent, mapping: dict) -> dict:
    """The event as the receiver sees it: the whole envelope and payload, or only the mapped fields."""
    envelope = {"id": event.id, "event_type": event.event_type, "entity_type": event.entity_type,
                "entity_id": event.entity_id, "region_id": event.region_id,
                "created_at": event.created_at.isoformat() + "Z"}
    if not mapping:
        return {**envelope, "payload": event.payload}
    record = {"id": event.id}  # receivers dedupe by event id, so it is always sent
    for out_name, source in mapping.items():
        if source.startswith("payload."):
            record[out_name] = (event.payload or {}).get(source[len("payload."):])
        elif source in ENVELOPE_FIELDS:
            record[out_name] = envelope[source]
    return record


def pending_events(target: DispatchTarget, limit: int):
    """The next events after the cursor that match the active version's filters, oldest first."""
    version = target.active_version
    settle = utcnow() - timedelta(seconds=current_app.config["DISPATCH_SETTLE_SECONDS"])
    stmt = (db.select(OutboxEvent).where(OutboxEvent.id > target.cursor, OutboxEvent.created_at <= settle)
            .order_by(OutboxEvent.id).limit(limit))
    return list(db.session.execute(_filtered(stmt, version)).scalars())


def _filtered(stmt, version):
    """Limit an outbox query to the version's event types and region subtree."""
    if version.event_types:
        stmt = stmt.where(OutboxEvent.event_type.in_(version.event_types))
    if version.region_id:
        root = db.session.get(Region, version.region_id)
        subtree = db.select(Region.id).where(Region.path.startswith(root.path, autoescape=True))
        stmt = stmt.where(OutboxEvent.region_id.in_(subtree))
    return stmt


def _send_webhook(target: DispatchTarget, records: list[dict]) -> None:
    version = target.active_version
    body = json.dumps({"target": target.name, "events": records}, ensure_ascii=False).encode()
    timestamp = str(int(time.time()))
    request = urllib.request.Request(version.url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(pii.decrypt(version.secret_enc) or "", timestamp, body),
        "X-Portal-Target": str(target.id)})
    try:
        with urllib.request.urlopen(request, timeout=current_app.config["DISPATCH_HTTP_TIMEOUT"]) as response:
            if not 200 <= response.status < 300:
                raise DeliveryFailed(f"HTTP {response.status}")
    except urllib.error.HTTPError as exc:
        permanent = 400 <= exc.code < 500 and exc.code not in TRANSIENT_4XX
        raise DeliveryFailed(f"HTTP {exc.code}" + ("（接收方拒收）" if permanent else ""),
                             permanent=permanent) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        # Includes a receiver that died after accepting and before answering: it dedupes the retry by event id.
        raise DeliveryFailed(f"连接失败：{getattr(exc, 'reason', None) or exc!r}") from exc


def drop_root() -> Path:
    """The only folder CSV targets may write below."""
    return Path(current_app.config["DISPATCH_DROP_ROOT"]).resolve()


def _write_csv(target: DispatchTarget, records: list[dict]) -> None:
    folder = (drop_root() / target.active_version.folder).resolve()
    if drop_root() not in (folder, *folder.parents):
        raise DeliveryFailed("投递目录不在允许的根目录内")
    folder.mkdir(parents=True, exist_ok=True)
    columns = list(records[0].keys())
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for record in records:
        writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v
                         for k, v in record.items()})
    name = f"{target.name}-{records[0]['id']:012d}-{records[-1]['id']:012d}.csv"
    partial = folder / f".{name}.partial"
    partial.write_text(buffer.getvalue(), encoding="utf-8-sig")
    os.replace(partial, folder / name)  # receivers never see half a file


def deliver(target: DispatchTarget, records: list[dict]) -> None:
    """Hand one batch to the target's receiver; raise DeliveryFailed when it is not accepted."""
    if target.active_version.kind == CSV_DROP:
        _write_csv(target, records)
    else:
        _send_webhook(target, records)


def backoff_seconds(failures: int) -> float:
    """Exponential backoff: base · 2^(failures−1), capped."""
    cfg = current_app.config
    return min(cfg["DISPATCH_BACKOFF_BASE"] * 2 ** max(failures - 1, 0), cfg["DISPATCH_BACKOFF_MAX"])


def run_target(target: DispatchTarget, max_batches: int = 50) -> DispatchRun:
    """Send batches until caught up, the receiver is unavailable, or max_batches; one DispatchRun records it all."""
    version = target.active_version
    run = DispatchRun(target_id=target.id, version_id=version.id if version else None)
    db.session.add(run)
    db.session.commit()
    lines = []
    for _ in range(max_batches):
        events = pending_events(target, version.batch_size)
        if not events:
            break
        span = f"批次 {events[0].id}–{events[-1].id}"
        try:
            deliver(target, [event_record(e, version.field_mapping) for e in events])
        except Exception as exc:  # noqa: BLE001 (anything unexpected is treated as "try again later")
            error = str(exc) if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"
            run.failed += len(events)
            if isinstance(exc, DeliveryFailed) and exc.permanent:
                _dead_letter(target, events, error, run, lines)
                db.session.commit()
                continue  # later events flow on; this batch waits in the dead-letter list
            _back_off(target, error, run)
            lines.append(f"{utcnow():%H:%M:%S} {span} 未送达（连续第 {target.failures} 次）：{error}，"
                         f"{target.next_attempt_at:%H:%M:%S} 后重试")
            db.session.commit()
            break
        target.cursor = events[-1].id
        target.failures, target.next_attempt_at, target.last_error = 0, None, None
        run.sent += len(events)
        lines.append(f"{utcnow():%H:%M:%S} {span} 已送达 {len(events)} 条")
        db.session.commit()
    if run.status == "running":
        run.status = "ok"
    run.finished_at = utcnow()
    run.log = "\n".join(lines)
    db.session.commit()
    return run


def _back_off(target: DispatchTarget, error: str, run: DispatchRun) -> None:
    """The receiver is unavailable: keep the cursor, wait longer each time, alert once when it lasts."""
    from app.blueprints.dispatch.alerts import alert_outage

    target.failures += 1
    target.last_error = error
    target.next_attempt_at = utcnow() + timedelta(seconds=backoff_seconds(target.failures))
    run.status, run.error = "failed", error
    if target.failures == target.active_version.max_failures:
        alert_outage(target)


def _dead_letter(target, events, error, run, lines) -> None:
    from app.blueprints.dispatch.alerts import alert_dead_letter

    letter = DeadLetter(target_id=target.id, event_ids=[e.id for e in events], error=error, attempts=1)
    db.session.add(letter)
    db.session.flush()
    target.cursor = events[-1].id
    target.failures, target.next_attempt_at, target.last_error = 0, None, None
    run.status, run.error = "dead", error
    lines.append(f"{utcnow():%H:%M:%S} 批次 {events[0].id}–{events[-1].id} 被接收方拒收，已转入死信列表"
                 f"（#{letter.id}）：{error}")
    alert_dead_letter(target, letter)


def _undelivered_ids(target_id: int, exclude_letter: int) -> set[int]:
    """Event ids at or below the cursor that the receiver does not have: in open or discarded dead letters, or
    superseded when their letter was requeued."""
    ids: set[int] = set()
    letters = db.session.execute(db.select(DeadLetter).where(DeadLetter.target_id == target_id,
                                                             DeadLetter.id != exclude_letter)).scalars()
    for letter in letters:
        if letter.resolution == "requeued":
            ids.update(letter.superseded_ids or [])
        else:
            ids.update(letter.event_ids)
    return ids


def superseded_events(target: DispatchTarget, letter: DeadLetter, events: list[OutboxEvent]) -> set[int]:
    """Events of the letter with a newer event of the same entity already delivered to this target."""
    if not events:
        return set()
    keys = {(e.entity_type, e.entity_id) for e in events}
    stmt = (db.select(OutboxEvent.id, OutboxEvent.entity_type, OutboxEvent.entity_id)
            .where(OutboxEvent.id > min(e.id for e in events), OutboxEvent.id <= target.cursor,
                   OutboxEvent.entity_id.in_({k[1] for k in keys})))
    stmt = _filtered(stmt, target.active_version)
    undelivered = _undelivered_ids(target.id, letter.id) | set(letter.event_ids)
    newest: dict[tuple, int] = {}
    for event_id, entity_type, entity_id in db.session.execute(stmt):
        key = (entity_type, entity_id)
        if key in keys and event_id not in undelivered:
            newest[key] = max(newest.get(key, 0), event_id)
    return {e.id for e in events if newest.get((e.entity_type, e.entity_id), 0) > e.id}


def redeliver(letter: DeadLetter) -> list[int]:
    """Send a dead-lettered batch again, without the events a newer delivered event supersedes; raises
    DeliveryFailed. Returns the superseded ids."""
    target = db.session.get(DispatchTarget, letter.target_id)
    events = list(db.session.execute(db.select(OutboxEvent).where(OutboxEvent.id.in_(letter.event_ids))
                                     .order_by(OutboxEvent.id)).scalars())
    superseded = superseded_events(target, letter, events)
    fresh = [e for e in events if e.id not in superseded]
    if fresh:
        deliver(target, [event_record(e, target.active_version.field_mapping) for e in fresh])
    return sorted(superseded)
