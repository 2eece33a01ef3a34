"""Public credit: subjects, records (versioned), objections, repairs, score models, reports, kiosks, codes."""

from datetime import date, datetime

from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db

PERSON, ORG, INDIVIDUAL = "person", "org", "individual"
SUBJECT_KINDS = {PERSON: "自然人", ORG: "法人和非法人组织", INDIVIDUAL: "个体工商户"}
# Subjects keyed by 统一社会信用代码 (个体工商户 carry one too) and scored with the organisation model.
CODED_KINDS = (ORG, INDIVIDUAL)

LICENSE, PENALTY, REDLIST, BLACKLIST, ABNORMAL, PROMISE, WATCH = (
    "license",
    "penalty",
    "redlist",
    "blacklist",
    "abnormal",
    "promise",
    "watch",
)
CATEGORIES = {
    LICENSE: "行政许可",
    PENALTY: "行政处罚",
    REDLIST: "守信激励",
    BLACKLIST: "严重失信主体名单",
    ABNORMAL: "异常名录",
    PROMISE: "信用承诺",
    WATCH: "其他失信信息",
}
# 失信信息 (信用修复管理办法 第二条): every such record carries a class and may be repaired.
DISHONEST = (PENALTY, BLACKLIST, ABNORMAL, WATCH)
REPAIRABLE = DISHONEST

MINOR, NORMAL, SERIOUS = "minor", "normal", "serious"
SEVERITIES = {MINOR: "轻微", NORMAL: "一般", SERIOUS: "严重"}

PUBLISHED, OBJECTED, REPAIRED, EXPIRED, WITHDRAWN, LIFTED, UNPUBLISHED = (
    "published",
    "objected",
    "repaired",
    "expired",
    "withdrawn",
    "lifted",
    "unpublished",
)
RECORD_STATUSES = {
    PUBLISHED: "公示中",
    OBJECTED: "异议处理中",
    REPAIRED: "已修复",
    EXPIRED: "公示期满",
    WITHDRAWN: "已撤销",
    LIFTED: "已解除",
    UNPUBLISHED: "不予公示",
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
        """自然人 / 法人和非法人组织 / 个体工商户."""
        return SUBJECT_KINDS.get(self.kind, self.kind)

    @property
    def is_org(self) -> bool:
        """True for subjects keyed by 统一社会信用代码 (organisations and 个体工商户)."""
        return self.kind in CODED_KINDS


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
    # 轻微 records are published only when the department marks publication as necessary.
    publish_necessary: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A punishment measure imposed because of another record; lifted when that record is repaired.
    basis_record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"), index=True)
    # 双公示 fields: 处罚类别, 罚款金额（万元）, 许可有效期.
    penalty_kind: Mapped[str] = mapped_column(String(64), default="", server_default="")
    fine_amount: Mapped[Decimal | None] = mapped_column(Numeric(16, 6))
    license_valid_from: Mapped[date | None]
    license_valid_to: Mapped[date | None]
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

    @property
    def severity_label(self) -> str:
        """轻微 / 一般 / 严重, or empty."""
        return SEVERITIES.get(self.severity or "", "")

    def status_label(self, today: date) -> str:
        """The Chinese name of shown_status."""
        return RECORD_STATUSES[self.shown_status(today)]

    @property
    def is_public(self) -> bool:
        """False for a 轻微 record the department did not mark as necessary to publish."""
        return not (self.severity == MINOR and not self.publish_necessary)

    def shown_status(self, today: date) -> str:
        """The status a reader sees: past its window 公示期满; an unmarked 轻微 record 不予公示."""
        if self.status in (PUBLISHED, OBJECTED) and self.pub_end < today:
            return EXPIRED
        if self.status == PUBLISHED and not self.is_public:
            return UNPUBLISHED
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
    # The credit office's check is due by check_due_at; the department's answer by due_at.
    check_due_at: Mapped[datetime | None]
    due_at: Mapped[datetime | None]
    forwarded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record = relationship(CreditRecord, lazy="raise")
    subject = relationship(CreditSubject, lazy="raise")

    @property
    def current_due(self) -> datetime | None:
        """The deadline of the step the objection waits in."""
        return {SUBMITTED: self.check_due_at, FORWARDED: self.due_at}.get(self.state)


PENDING, REPAIR_FORWARDED, APPROVED, REJECTED = "pending", "forwarded", "approved", "rejected"
REPAIR_STATES = {PENDING: "待信用办核对", REPAIR_FORWARDED: "待认定部门决定", APPROVED: "已通过", REJECTED: "已驳回"}
OPEN_REPAIR_STATES = (PENDING, REPAIR_FORWARDED)


class RepairApplication(db.Model):
    """信用修复: one application per penalty record, with a commitment and evidence."""

    __tablename__ = "credit_repair"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("credit_record.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subject.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    # 谁认定、谁修复: the record's source department decides; the credit office checks and forwards.
    department: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    commitment: Mapped[str] = mapped_column(Text)
    # The 承诺书 was accepted on screen (text) or uploaded signed (an attachment with role "commitment").
    commitment_accepted: Mapped[bool] = mapped_column(default=False, server_default=false())
    fulfilment_note: Mapped[str] = mapped_column(Text, default="", server_default="")
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    applicant_phone_enc: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    answer: Mapped[str] = mapped_column(Text, default="")
    due_at: Mapped[datetime]
    forwarded_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record = relationship(CreditRecord, lazy="raise")
    subject = relationship(CreditSubject, lazy="raise")

    @property
    def state_label(self) -> str:
        """待信用办核对 / 待认定部门决定 / 已通过 / 已驳回."""
        return REPAIR_STATES.get(self.state, self.state)


class ScoreModel(db.Model):
    """One version of the credit score model; the active one scores new reports, old ones stay as printed."""

    __tablename__ = "credit_score_model"
    __table_args__ = (UniqueConstraint("kind", "version", name="uq_credit_score_model_kind_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Which subjects it scores: 自然人 (person) or 法人和非法人组织 (org); each kind has its own versions.
    kind: Mapped[str] = mapped_column(String(16), default=PERSON, server_default=PERSON)
    version: Mapped[int]
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
    model_kind: Mapped[str] = mapped_column(String(16), default=PERSON, server_default=PERSON)
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


SERIOUS_LIST, RED_LIST = "serious", "red"
LIST_KINDS = {SERIOUS_LIST: "严重失信主体名单", RED_LIST: "守信激励（红名单）"}
REMOVE_REPAIR, REMOVE_EXPIRY, REMOVE_CORRECTION = "repair", "expiry", "correction"
REMOVAL_REASONS = {REMOVE_REPAIR: "信用修复移出", REMOVE_EXPIRY: "期满移出", REMOVE_CORRECTION: "更正移出"}


class CreditListEntry(db.Model):
    """One subject on a named list (严重失信主体名单 or 红名单): entry with basis, authority, date; removal."""

    __tablename__ = "credit_list_entry"
    __table_args__ = (Index("ix_credit_list_entry_kind_subject", "list_kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_kind: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[int] = mapped_column(ForeignKey("credit_subject.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("credit_record.id"))
    basis: Mapped[str] = mapped_column(Text, default="")
    authority: Mapped[str] = mapped_column(String(128))
    doc_number: Mapped[str] = mapped_column(String(64), default="")
    entered_on: Mapped[date]
    valid_until: Mapped[date | None]
    removed_on: Mapped[date | None]
    removal_reason: Mapped[str | None] = mapped_column(String(16))
    removal_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    subject = relationship(CreditSubject, lazy="raise")

    @property
    def list_label(self) -> str:
        """严重失信主体名单 / 守信激励（红名单）."""
        return LIST_KINDS.get(self.list_kind, self.list_kind)

    @property
    def removal_label(self) -> str:
        """信用修复移出 / 期满移出 / 更正移出, or empty."""
        return REMOVAL_REASONS.get(self.removal_reason or "", "")
