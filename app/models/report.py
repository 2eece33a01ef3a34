"""Generated statistical reports kept in the report archive."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.region import Region


class ReportArchive(db.Model):
    """One generated workbook of one report for one region and month."""

    __tablename__ = "report_archive"
    __table_args__ = (Index("ix_report_archive_lookup", "report_key", "region_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_key: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    period: Mapped[str] = mapped_column(String(7))  # YYYY-MM
    job_id: Mapped[str | None] = mapped_column(ForeignKey("job.id"))
    path: Mapped[str] = mapped_column(String(255))
    filename: Mapped[str] = mapped_column(String(255))
    rows: Mapped[int] = mapped_column(default=0)
    generated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    scheduled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    region: Mapped[Region] = relationship(lazy="joined")
