"""Outbox events that tell downstream systems which credit records to show, and which to withdraw.

信用修复管理办法 makes a repair stop sharing (停止共享和使用): every record that leaves publication (repair,
objection 撤销, a lifted punishment measure) emits credit.record.withdrawn in the same transaction.
"""

from app import outbox
from app.models import credit as C

_KEYS = ("record_id", "category", "severity", "department", "doc_number", "decision_date", "subject_kind",
         "subject_code", "subject_id_hash", "pub_start", "pub_end", "reason")
RECORD_PUBLISHED = outbox.declare("credit.record.published", *_KEYS)
RECORD_CORRECTED = outbox.declare("credit.record.corrected", *_KEYS)
RECORD_WITHDRAWN = outbox.declare("credit.record.withdrawn", *_KEYS)

WITHDRAW_REASONS = {"repair": "信用修复", "withdraw": "异议撤销", "lifted": "惩戒措施解除"}


def _payload(record: C.CreditRecord, subject: C.CreditSubject, reason: str = "") -> dict:
    # The resident ID never leaves in clear: persons travel by blind index, organisations by their public code.
    return {
        "record_id": record.id,
        "category": record.category,
        "severity": record.severity,
        "department": record.department,
        "doc_number": record.doc_number,
        "decision_date": record.decision_date.isoformat(),
        "subject_kind": subject.kind,
        "subject_code": subject.uscc or "",
        "subject_id_hash": subject.id_number_hash or "",
        "pub_start": record.pub_start.isoformat(),
        "pub_end": record.pub_end.isoformat(),
        "reason": reason,
    }


def published(record: C.CreditRecord, subject: C.CreditSubject) -> None:
    """A record became shareable (unpublished 轻微 records are not shared)."""
    if record.is_public:
        outbox.emit(RECORD_PUBLISHED, record, region_id=subject.region_id, payload=_payload(record, subject))


def corrected(record: C.CreditRecord, subject: C.CreditSubject) -> None:
    """A record's text changed after an objection (更正)."""
    outbox.emit(RECORD_CORRECTED, record, region_id=subject.region_id, payload=_payload(record, subject, "correct"))


def withdrawn(record: C.CreditRecord, subject: C.CreditSubject, reason: str) -> None:
    """Downstream targets must withdraw the record and stop using it."""
    outbox.emit(RECORD_WITHDRAWN, record, region_id=subject.region_id, payload=_payload(record, subject, reason))
