"""Public credit: subjects, records (versioned), objections, repairs, score models, reports, kiosks, codes."""

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db

PERSON, ORG = "person", "org"
SUBJECT_KINDS = {PERSON: "自然人", ORG: "法人和非法人组织"}

LICENSE, PENALTY, REDLIST, BLACKLIST, PROMISE, WATCH = (
    "license",
    "penalty",
    "redlist",
    "blacklist",
    "promise",
    "watch",
)
CATEGORIES = {
    LICENSE: "行政许可",
    PENALTY: "行政处罚",
    REDLIST: "守信激励",
    BLACKLIST: "失信惩戒",
    PROMISE: "信用承诺",
    WATCH: "重点关注",
}
# Records a subject may ask to have repaired (one application per record).
REPAIRABLE = (PENALTY, BLACKLIST)

NORMAL, SERIOUS = "normal", "serious"
SEVERITIES = {NORMAL: "一般", SERIOUS: "严重"}

PUBLISHED, OBJECTED, REPAIRED, EXPIRED, WITHDRAWN = (
    "published",
    "objected",
    "repaired",
    "expired",
    "withdrawn",
)
RECORD_STATUSES = {
    PUBLISHED: "公示中",
    OBJECTED: "异议处理中",
    REPAIRED: "已修复",
    EXPIRED: "公示期满",
    WITHDRAWN: "已撤销",
}

FULFILMENTS = {"pending": "履约中", "kept": "已履约", "broken": "未履约"}


class CreditSubject(db.Model):
    """A natural person or an organisation that credit records are about."""

    __tablename__ = "credit_subject"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128), index=True)
    # Natural person: resident ID encrypted + blind index (joins the household archive's person by this hash).
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_number_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Organisation: 统一社会信用代码 is public, stored in clear.
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    legal_rep_name: Mapped[str | None] = mapped_column(String(64))
    legal_rep_id_enc: Mapped[str | None] = mapped_column(Text)
    legal_rep_id_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(255), default="")
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region = relationship("Region", lazy="joined")

    @property
    def kind_label(self) -> str:
        """自然人 / 法人和非法人组织."""
        return SUBJECT_KINDS.get(self.kind, self.kind)


class CreditRecord(db.Model):
    """One published credit record; corrections keep the earlier text in CreditRecordVersion."""

    __tablename__ = "credit_record"
    __table_args__ = (
        UniqueConstraint("department", "doc_number", name="uq_credit_record_doc"),
        Index("ix_credit_record_subject_status", "subject_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subject.id"))
    category: Mapped[str] = mapped_column(String(16), index=True)
    department: Mapped[str] = mapped_column(String(64), index=True)
    doc_number: Mapped[str] = mapped_column(String(64))
    decision_date: Mapped[date]
    content: Mapped[str] = mapped_column(Text)
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str | None] = mapped_column(String(16))
    fulfilment: Mapped[str | None] = mapped_column(String(16))
    pub_start: Mapped[date]
    pub_end: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default=PUBLISHED)
    # The status to return to when an objection is rejected (维持).
    status_before_objection: Mapped[str | None] = mapped_column(String(16))
    ended_on: Mapped[date | None]
    version: Mapped[int] = mapped_column(default=1)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Edit forms carry this; the ORM refuses an UPDATE whose row changed since it was read (lost updates).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": row_version}

    subject = relationship(CreditSubject, lazy="raise")

    @property
    def category_label(self) -> str:
        """Chinese category name."""
        return CATEGORIES.get(self.category, self.category)

    def shown_status(self, today: date) -> str:
        """The status a reader sees: a published record past its window shows 公示期满."""
        if self.status in (PUBLISHED, OBJECTED) and self.pub_end < today:
            return EXPIRED
        return self.status


class CreditRecordVersion(db.Model):
    """The text of a record before a correction (更正), kept for the record's history."""

    __tablename__ = "credit_record_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    version: Mapped[int]
    data: Mapped[dict] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


SUBMITTED, FORWARDED, CLOSED = "submitted", "forwarded", "closed"
OBJECTION_STATES = {SUBMITTED: "待审核", FORWARDED: "已转部门", CLOSED: "已办结"}
CORRECT, WITHDRAW, UPHOLD = "correct", "withdraw", "uphold"
OBJECTION_OUTCOMES = {CORRECT: "更正", WITHDRAW: "撤销", UPHOLD: "维持"}


class Objection(db.Model):
    """信用异议 against one record."""

    __tablename__ = "credit_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subject.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # counter | kiosk
    reason: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    applicant_phone_enc: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=SUBMITTED, index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    answer: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime | None]
    forwarded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record = relationship(CreditRecord, lazy="raise")
    subject = relationship(CreditSubject, lazy="raise")


PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
REPAIR_STATES = {PENDING: "待审核", APPROVED: "已通过", REJECTED: "已驳回"}


class RepairApplication(db.Model):
    """信用修复: one application per penalty record, with a commitment and evidence."""

    __tablename__ = "credit_repair"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subject.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    commitment: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    applicant_phone_enc: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record = relationship(CreditRecord, lazy="raise")
    subject = relationship(CreditSubject, lazy="raise")


class ScoreModel(db.Model):
    """One version of the credit score model; the active one scores new reports, old ones stay as printed."""

    __tablename__ = "credit_score_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    note: Mapped[str] = mapped_column(String(255), default="")
    config: Mapped[dict] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


REPORT_PENDING, REPORT_READY, REPORT_FAILED = "pending", "ready", "failed"


class CreditReport(db.Model):
    """A printed credit report: number, validity, the score and model version it printed, and the PDF hash."""

    __tablename__ = "credit_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subject.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # staff | kiosk
    device_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_device.id"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    job_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default=REPORT_PENDING)
    issued_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    valid_until: Mapped[datetime]
    score: Mapped[int | None]
    grade: Mapped[str | None] = mapped_column(String(16))
    model_version: Mapped[int | None]
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_path: Mapped[str | None] = mapped_column(String(255))
    masked_name: Mapped[str] = mapped_column(String(128), default="")
    masked_code: Mapped[str] = mapped_column(String(32), default="")
    revoked_at: Mapped[datetime | None]
    revoke_reason: Mapped[str] = mapped_column(String(255), default="")

    subject = relationship(CreditSubject, lazy="raise")


class KioskDevice(db.Model):
    """A self-service terminal: enrolled once through a one-time link, revocable."""

    __tablename__ = "kiosk_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(128), default="")
    # The kiosk-role account the device acts as (audit actor, job owner); nobody logs in with it there.
    account_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    enroll_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enroll_expires_at: Mapped[datetime | None]
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    enrolled_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def state_label(self) -> str:
        """待登记 / 已登记 / 已停用."""
        if self.revoked_at:
            return "已停用"
        return "已登记" if self.enrolled_at else "待登记"


class OneTimeCode(db.Model):
    """An SMS code that proves a kiosk user holds the phone on record: 5 minutes, 5 tries."""

    __tablename__ = "credit_one_time_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("kiosk_device.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subject.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    tries: Mapped[int] = mapped_column(default=0)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
