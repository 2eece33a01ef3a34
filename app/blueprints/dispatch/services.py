"""Dispatch targets: drafts and approved releases, pause/resume/replay, dead letters, run history."""
import re
import secrets
from pathlib import PurePosixPath
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request

from app.blueprints.dispatch.delivery import DeliveryFailed, redeliver
from app.clock import utcnow
from app.extensions import db
from app.models.dispatch import (APPROVED, CSV_DROP, DRAFT, SUPERSEDED, WEBHOOK, DeadLetter, DispatchRun,
                                 DispatchTarget, DispatchTargetVersion, OutboxEvent)
from app.models.region import Region
from app.outbox import event_types, known_fields
from app.public_urls import public_host_port
from app.security import audit, pii
from app.security.scoping import in_scope
from app.validation import Invalid
from app.versioning import bump, check_version

_OUT_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
VERSION_FIELDS = ("kind", "url", "folder", "region_id", "event_types", "field_mapping", "batch_size", "max_failures")


def event_type_choices() -> list[str]:
    """Declared event types plus any already in the outbox."""
    present = db.session.execute(db.select(OutboxEvent.event_type).distinct()).scalars()
    return sorted(set(event_types()) | set(present))


def parse_mapping(text: str) -> dict:
    """'out=source' lines → {out: source}; unknown source fields and bad names are errors."""
    mapping, errors, known = {}, [], known_fields()
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        out, sep, source = (part.strip() for part in line.partition("="))
        if not sep or not _OUT_NAME.match(out):
            errors.append(f"第 {number} 行格式应为“输出字段=来源字段”，输出字段只能用字母、数字和下划线")
        elif source not in known:
            errors.append(f"第 {number} 行的来源字段“{source}”不存在")
        else:
            mapping[out] = source
    if errors:
        raise Invalid({"mapping": errors})
    return mapping


def _self_hosts() -> set[str]:
    hosts = set(current_app.config["SELF_HOSTS"]) | {public_host_port()}
    if has_request_context():
        host = request.host
        hosts.add(host if ":" in host else f"{host}:{443 if request.scheme == 'https' else 80}")
    return {h.lower() for h in hosts}


def _check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Invalid({"url": "推送地址须以 http:// 或 https:// 开头并包含主机名"})
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if f"{parts.hostname}:{port}".lower() in _self_hosts():
        raise Invalid({"url": "推送地址不能指向本门户自身"})
    return url.strip()


def _check_folder(folder: str) -> str:
    path = PurePosixPath((folder or "").strip())
    if not str(path) or str(path) == "." or path.is_absolute() or ".." in path.parts or "\\" in str(path):
        raise Invalid({"folder": "投递子目录须为投递根目录下的相对路径，不能含“..”"})
    return str(path)


def validated_version(actor, values: dict) -> dict:
    """Check a target definition; return the fields of a new version."""
    kind = values["kind"]
    fields = {"kind": kind, "url": None, "folder": None, "secret_enc": None,
              "batch_size": values["batch_size"], "max_failures": values["max_failures"],
              "note": (values.get("note") or "").strip()}
    if kind == WEBHOOK:
        fields["url"] = _check_url(values.get("url") or "")
        fields["secret_enc"] = pii.encrypt((values.get("secret") or "").strip() or secrets.token_urlsafe(24))
    elif kind == CSV_DROP:
        fields["folder"] = _check_folder(values.get("folder") or "")
    else:
        raise Invalid({"kind": "未知的分发方式"})
    region_id = values.get("region_id") or None
    if region_id:
        region = db.session.get(Region, region_id)
        if region is None or not in_scope(region, actor):
            raise Invalid({"region_id": "所选区域不在您的管辖范围内"})
    fields["region_id"] = region_id
    allowed = set(event_type_choices())
    chosen = list(values.get("event_types") or [])
    if set(chosen) - allowed:
        raise Invalid({"event_types": "包含未知的事件类型"})
    fields["event_types"] = sorted(chosen)
    fields["field_mapping"] = parse_mapping(values.get("mapping") or "")
    return fields


def _add_version(actor, target: DispatchTarget, fields: dict) -> DispatchTargetVersion:
    for old in db.session.execute(db.select(DispatchTargetVersion).where(
            DispatchTargetVersion.target_id == target.id, DispatchTargetVersion.state == DRAFT)).scalars():
        old.state = SUPERSEDED  # one pending draft at a time: the newest wins
    number = (db.session.execute(db.select(db.func.max(DispatchTargetVersion.number)).where(
        DispatchTargetVersion.target_id == target.id)).scalar() or 0) + 1
    version = DispatchTargetVersion(target_id=target.id, number=number, created_by_id=actor.id, **fields)
    db.session.add(version)
    db.session.flush()
    return version


def create_target(actor, *, name: str, department: str, values: dict) -> DispatchTarget:
    """A new target with its first draft; it sends nothing until the draft is approved."""
    if db.session.execute(db.select(DispatchTarget.id).where(DispatchTarget.name == name.strip())).first():
        raise Invalid({"name": "该名称已被使用"})
    fields = validated_version(actor, values)
    target = DispatchTarget(name=name.strip(), department=department.strip())
    db.session.add(target)
    db.session.flush()
    version = _add_version(actor, target, fields)
    audit.record("dispatch.target_create", target, detail=f"draft v{version.number}",
                 changes={k: [None, _plain(getattr(version, k))] for k in VERSION_FIELDS})
    db.session.commit()
    return target


def propose_change(actor, target: DispatchTarget, *, department: str, values: dict,
                   version=None) -> DispatchTargetVersion:
    """A new draft version of an existing target; a form older than the target is refused."""
    check_version(target, version)
    fields = validated_version(actor, values)
    bump(target)
    target.department = department.strip()
    version = _add_version(actor, target, fields)
    base = target.active_version
    changes = {k: [_plain(getattr(base, k)) if base else None, _plain(getattr(version, k))] for k in VERSION_FIELDS
               if base is None or getattr(base, k) != getattr(version, k)}
    audit.record("dispatch.draft", target, detail=f"draft v{version.number}", changes=changes)
    db.session.commit()
    return version


def approve(actor, version: DispatchTargetVersion) -> DispatchTargetVersion:
    """Release a draft (审核发布); nobody approves their own draft."""
    if version.state != DRAFT:
        raise Invalid("该版本不是待审核的草稿")
    if version.created_by_id == actor.id:
        raise Invalid("不能审核发布自己提交的草稿，请由另一位管理员审核")
    target = db.session.get(DispatchTarget, version.target_id)
    if target.active_version is not None:
        target.active_version.state = SUPERSEDED
    version.state, version.approved_by_id, version.approved_at = APPROVED, actor.id, utcnow()
    target.active_version_id = version.id
    target.failures, target.next_attempt_at = 0, None
    bump(target)
    audit.record("dispatch.approve", target, detail=f"v{version.number}",
                 changes={"active_version": [None, version.number]})
    db.session.commit()
    return version


def discard(actor, version: DispatchTargetVersion) -> None:
    """Drop a pending draft."""
    if version.state != DRAFT:
        raise Invalid("该版本不是待审核的草稿")
    version.state = SUPERSEDED
    audit.record("dispatch.discard", object_type="dispatch_target", object_id=version.target_id,
                 detail=f"v{version.number}")
    db.session.commit()


def set_paused(target: DispatchTarget, paused: bool, *, version=None) -> None:
    """Pause or resume delivery."""
    check_version(target, version)
    before = target.paused
    target.paused = paused
    bump(target)
    audit.record("dispatch.pause" if paused else "dispatch.resume", target, changes={"paused": [before, paused]})
    db.session.commit()


def replay_from(target: DispatchTarget, event_id: int, *, version=None) -> None:
    """Send again from a chosen event on (receivers dedupe by event id)."""
    check_version(target, version)
    if event_id < 1 or db.session.get(OutboxEvent, event_id) is None:
        raise Invalid({"event_id": "没有该编号的事件"})
    before = target.cursor
    target.cursor, target.failures, target.next_attempt_at = event_id - 1, 0, None
    bump(target)
    audit.record("dispatch.replay", target, changes={"cursor": [before, target.cursor]})
    db.session.commit()


def resolve_dead_letter(letter: DeadLetter, requeue: bool) -> None:
    """Send a dead-lettered batch again (it must succeed) or discard it."""
    if letter.resolved_at is not None:
        raise Invalid("该死信已处理")
    detail = ""
    if requeue:
        try:
            letter.superseded_ids = redeliver(letter)
        except DeliveryFailed as exc:
            raise Invalid(f"重新发送失败：{exc}") from exc
        if letter.superseded_ids:
            detail = (f"{len(letter.superseded_ids)} 条事件已有同一对象的更新事件送达，标记为已被替代、未重发："
                      + "、".join(f"#{i}" for i in letter.superseded_ids))
    letter.resolved_at, letter.resolution = utcnow(), "requeued" if requeue else "discarded"
    audit.record("dispatch.dead_letter_" + letter.resolution, object_type="dispatch_dead_letter", object_id=letter.id,
                 detail=detail)
    db.session.commit()


def overview() -> dict:
    """Targets with their active versions, and the newest event id (three queries whatever the count)."""
    targets = list(db.session.execute(db.select(DispatchTarget).order_by(DispatchTarget.name)).scalars())
    latest = db.session.execute(db.select(db.func.max(OutboxEvent.id))).scalar() or 0
    drafts = set(db.session.execute(db.select(DispatchTargetVersion.target_id).where(
        DispatchTargetVersion.state == DRAFT)).scalars())
    return {"targets": targets, "latest": latest, "drafts": drafts}


def target_detail(target_id: int) -> dict:
    """A target with its versions, recent runs and open dead letters."""
    target = db.get_or_404(DispatchTarget, target_id)
    versions = list(db.session.execute(db.select(DispatchTargetVersion).where(
        DispatchTargetVersion.target_id == target_id).order_by(DispatchTargetVersion.number.desc())).scalars())
    runs = list(db.session.execute(db.select(DispatchRun).where(DispatchRun.target_id == target_id)
                                   .order_by(DispatchRun.id.desc()).limit(20)).scalars())
    letters = list(db.session.execute(db.select(DeadLetter).where(
        DeadLetter.target_id == target_id, DeadLetter.resolved_at.is_(None)).order_by(DeadLetter.id)).scalars())
    latest = db.session.execute(db.select(db.func.max(OutboxEvent.id))).scalar() or 0
    return {"target": target, "versions": versions, "runs": runs, "letters": letters, "latest": latest}


def _plain(value):
    return value if isinstance(value, (str, int, float, bool, list, dict, type(None))) else str(value)
