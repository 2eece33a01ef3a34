"""The data resource pool (数据资源池): department source records, import batches, conflicts, field mapping."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db


_LIVE = text("state <> 'failed'")


class ImportBatch(db.Model):
    """One uploaded source file and what its import did."""

    __tablename__ = "import_batch"
    # One live batch per file and source: two simultaneous uploads of one file make one batch; a failed batch
    # steps aside so the file can be imported again.
    __table_args__ = (
        Index("uq_import_batch_active_file", "source", "content_hash", unique=True,
              sqlite_where=_LIVE, postgresql_where=_LIVE),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16), index=True)
    department: Mapped[str] = mapped_column(String(64), default="")
    filename: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    stored_path: Mapped[str] = mapped_column(String(512))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    job_id: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="queued")  # queued | running | done | failed
    total_rows: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    # [[row_number, reason], ...] for the page; the full rejected rows are in the job's XLSX.
    rejects: Mapped[list | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None]


class SourceRecord(db.Model):
    """One fact from one department about one resident, keyed by (source, ID blind index, record key)."""

    __tablename__ = "source_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    id_number_enc: Mapped[str] = mapped_column(String(255))
    # Plate number, property certificate …: lets one resident have several records of a source.
    record_key: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(String(64), default="")
    payload: Mapped[dict] = mapped_column(JSON)
    row_hash: Mapped[str] = mapped_column(String(64))
    department: Mapped[str] = mapped_column(String(64), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (db.UniqueConstraint("source", "id_number_hash", "record_key", name="uq_source_record_key"),)


class FieldSource(db.Model):
    """一数一源: which source is authoritative for a person field (rows override the built-in defaults)."""

    __tablename__ = "field_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(String(32), unique=True)
    source: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Conflict(db.Model):
    """One disagreement between the archive and the pool, queued per grid until someone resolves it."""

    __tablename__ = "conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), index=True)
    id_number_hash: Mapped[str] = mapped_column(String(64))
    id_number_enc: Mapped[str] = mapped_column(String(255))
    subject_name: Mapped[str] = mapped_column(String(64), default="")
    kind: Mapped[str] = mapped_column(String(16))  # death | name | gender | birth | ethnicity | marital | ...
    source: Mapped[str] = mapped_column(String(16))
    source_record_id: Mapped[int | None] = mapped_column(ForeignKey("source_record.id"))
    archive_value: Mapped[str] = mapped_column(String(255), default="")
    source_value: Mapped[str] = mapped_column(String(255), default="")
    # The source row's hash when found: a resolved conflict reopens only when this changes.
    source_fingerprint: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="open", index=True)  # open | resolved | cleared
    resolution: Mapped[str] = mapped_column(String(16), default="")  # source | keep
    note: Mapped[str] = mapped_column(String(255), default="")
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    resolved_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (db.UniqueConstraint("id_number_hash", "kind", name="uq_conflict_subject_kind"),)

    @property
    def kind_label(self) -> str:
        """Chinese name of the disagreement."""
        return CONFLICT_KINDS.get(self.kind, self.kind)

    @property
    def source_label(self) -> str:
        """Chinese name of the source."""
        from app.blueprints.pool.sources import source_label

        return source_label(self.source)


CONFLICT_KINDS = {"death": "死亡未销户", "name": "姓名不一致", "gender": "性别不一致", "birth_date": "出生日期不一致",
                  "ethnicity": "民族不一致", "marital_status": "婚姻状况不一致", "disability": "残疾标签缺失",
                  "unregistered": "有户籍无户档"}
