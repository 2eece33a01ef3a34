"""Named credit lists: 严重失信主体名单 and 守信激励（红名单）, with entry (basis, authority, date) and removal
(on repair, on expiry, on correction). A removed entry stays in the list's history."""

from datetime import date

from app.clock import local_today
from app.extensions import db
from app.models import credit as C
from app.security import audit
from app.validation import Invalid

ENTRY_FIELDS = ("list_kind", "subject_id", "record_id", "basis", "authority", "doc_number", "entered_on",
                "valid_until", "removed_on", "removal_reason", "removal_note")


def enter(user, subject: C.CreditSubject, *, list_kind: str, basis: str, authority: str, entered_on: date,
          doc_number: str = "", valid_until: date | None = None, record: C.CreditRecord | None = None,
          commit: bool = True) -> C.CreditListEntry:
    """Put a subject on a list; one open entry per subject, list and document."""
    errors = {}
    if list_kind not in C.LIST_KINDS:
        errors["list_kind"] = "请选择名单类型"
    basis, authority, doc_number = (basis or "").strip(), (authority or "").strip(), (doc_number or "").strip()
    if not basis:
        errors["basis"] = "请填写列入依据"
    if not authority:
        errors["authority"] = "请填写认定机关"
    if not isinstance(entered_on, date):
        errors["entered_on"] = "请填写列入日期"
    elif entered_on > local_today():
        errors["entered_on"] = "列入日期不能晚于今天"
    elif valid_until is not None and valid_until <= entered_on:
        errors["valid_until"] = "有效期至应晚于列入日期"
    if errors:
        raise Invalid(errors)
    if open_entry(list_kind, subject.id, doc_number) is not None:
        raise Invalid(f"该主体已在{C.LIST_KINDS[list_kind]}中（文号 {doc_number or '—'}）")
    entry = C.CreditListEntry(
        list_kind=list_kind, subject_id=subject.id, record_id=record.id if record else None, basis=basis[:2000],
        authority=authority[:128], doc_number=doc_number[:64], entered_on=entered_on, valid_until=valid_until,
        removal_note="",
    )
    db.session.add(entry)
    db.session.flush()
    audit.record("credit.list.enter", entry, actor=user,
                 changes={k: [None, v] for k, v in audit.snapshot(entry, ENTRY_FIELDS).items() if v is not None})
    if commit:
        db.session.commit()
    return entry


def open_entry(list_kind: str, subject_id: int, doc_number: str = "") -> C.CreditListEntry | None:
    """The subject's entry on the list that has not been removed, or None."""
    return db.session.execute(
        db.select(C.CreditListEntry).where(
            C.CreditListEntry.list_kind == list_kind,
            C.CreditListEntry.subject_id == subject_id,
            C.CreditListEntry.doc_number == (doc_number or ""),
            C.CreditListEntry.removed_on.is_(None),
        )
    ).scalars().first()


def remove(user, entry: C.CreditListEntry, reason: str, note: str, *, on: date | None = None,
           commit: bool = True) -> C.CreditListEntry:
    """Take a subject off a list (repair, expiry or correction); the entry stays in the history."""
    if reason not in C.REMOVAL_REASONS:
        raise Invalid({"removal_reason": "请选择移出原因（信用修复、期满、更正）"})
    if entry.removed_on is not None:
        raise Invalid("该名单条目已移出")
    before = audit.snapshot(entry, ENTRY_FIELDS)
    entry.removed_on, entry.removal_reason, entry.removal_note = on or local_today(), reason, (note or "")[:2000]
    audit.record("credit.list.remove", entry, actor=user, changes=audit.changed(before, entry))
    if commit:
        db.session.commit()
    return entry


def remove_for_record(user, record: C.CreditRecord, reason: str, note: str) -> int:
    """Remove the open list entries that rest on a record (inside the caller's transaction)."""
    entries = db.session.execute(
        db.select(C.CreditListEntry).where(
            C.CreditListEntry.record_id == record.id, C.CreditListEntry.removed_on.is_(None)
        )
    ).scalars().all()
    for entry in entries:
        remove(user, entry, reason, f"{note}（{record.doc_number}）", commit=False)
    return len(entries)


def expire_due(user, today: date | None = None) -> int:
    """Remove entries whose validity has passed (期满移出); returns how many."""
    today = today or local_today()
    entries = db.session.execute(
        db.select(C.CreditListEntry).where(
            C.CreditListEntry.removed_on.is_(None),
            C.CreditListEntry.valid_until.is_not(None),
            C.CreditListEntry.valid_until < today,
        )
    ).scalars().all()
    for entry in entries:
        remove(user, entry, C.REMOVE_EXPIRY, "有效期届满自动移出", on=entry.valid_until, commit=False)
    db.session.commit()
    return len(entries)


def entries_of(subject_id: int, *, current_only: bool = False) -> list[C.CreditListEntry]:
    """A subject's list entries, newest first."""
    stmt = db.select(C.CreditListEntry).where(C.CreditListEntry.subject_id == subject_id)
    if current_only:
        stmt = stmt.where(C.CreditListEntry.removed_on.is_(None))
    return list(db.session.execute(stmt.order_by(C.CreditListEntry.entered_on.desc(),
                                                 C.CreditListEntry.id.desc())).scalars())
