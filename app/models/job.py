"""Background job rows, keyed by the RQ job id."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
INPUT_ERROR = "input"
STATE_LABELS = {QUEUED: "排队中", RUNNING: "进行中", DONE: "已完成", FAILED: "失败"}


class Job(db.Model):
    """What a user started in the background: progress, result file and error, settled by the worker."""

    __tablename__ = "job"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(128), default="")
    queue: Mapped[str] = mapped_column(String(32), default="default")
    state: Mapped[str] = mapped_column(String(16), default=QUEUED, index=True)
    progress: Mapped[int] = mapped_column(default=0)
    message: Mapped[str] = mapped_column(String(255), default="")
    params: Mapped[dict | None] = mapped_column(JSON)
    result_path: Mapped[str | None] = mapped_column(String(255))
    result_name: Mapped[str | None] = mapped_column(String(255))
    error: Mapped[str | None] = mapped_column(Text)
    # What to enqueue again on a retry, so a job lost with Redis can still be re-run from its row.
    func: Mapped[str | None] = mapped_column(String(255))
    args: Mapped[list | None] = mapped_column(JSON)
    timeout: Mapped[int | None]
    # Safe to run twice (upserts, file exports): a job lost before it started is re-queued by itself.
    idempotent: Mapped[bool] = mapped_column(default=False, server_default=false())
    requeues: Mapped[int] = mapped_column(default=0, server_default=text("0"))
    # "input" when the user's own file or data caused the failure (they fix it; ops cannot help).
    error_kind: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    @property
    def state_label(self) -> str:
        """Chinese name of the state."""
        return STATE_LABELS.get(self.state, self.state)

    @property
    def can_retry(self) -> bool:
        """A failed job whose function and arguments are known can be started again."""
        return self.state == FAILED and bool(self.func)

    @property
    def is_running(self) -> bool:
        """True while the worker may still change this row."""
        return self.state in (QUEUED, RUNNING)
