"""Uploading source files: size/type checks, de-duplication by content hash, and the import job."""
import hashlib
from pathlib import Path

from flask import abort, current_app
from sqlalchemy.exc import IntegrityError

from app.blueprints.jobs.services import on_job_failed, on_job_retry, start_job
from app.blueprints.pool.sources import SOURCES
from app.clock import utcnow
from app.extensions import db
from app.imports.reader import FileRejected, sniff_kind
from app.models.job import FAILED, Job
from app.models.source import ImportBatch
from app.security import audit
from app.security.permissions import COUNTY_ADMIN, SYSADMIN
from app.validation import Invalid

IMPORT_KIND = "pool.import"

MAX_FILE_MB = 20  # the request limit (PORTAL_MAX_UPLOAD_MB) refuses bigger bodies first


def start_import(user, source_key: str, upload) -> tuple[ImportBatch, bool]:
    """Store the file and start its import; (batch, False) when the same file is already imported or importing."""
    if source_key not in SOURCES:
        raise Invalid({"source": "请选择数据来源"})
    if upload is None or not upload.filename:
        raise Invalid({"file": "请选择要导入的文件"})
    data = upload.read(MAX_FILE_MB * 1024 * 1024 + 1)
    if len(data) > MAX_FILE_MB * 1024 * 1024:
        raise Invalid({"file": f"文件超过 {MAX_FILE_MB} MB 上限，请拆分后导入"})
    if not data.strip():
        raise Invalid({"file": "文件为空"})
    try:
        kind = sniff_kind(data[:8], upload.filename)
    except FileRejected as exc:
        raise Invalid({"file": str(exc)}) from None
    digest = hashlib.sha256(data).hexdigest()
    # Only a finished batch counts as imported; a running one is answered as running; a failed one steps aside.
    previous = live_batch(source_key, digest)
    if previous is not None:
        return previous, False
    folder = Path(current_app.config["FILES_DIR"]) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.{kind}"
    path.write_bytes(data)
    batch = ImportBatch(source=source_key, department=SOURCES[source_key].department,
                        filename=Path(upload.filename).name[:255], content_hash=digest, stored_path=str(path),
                        uploaded_by=user.id)
    db.session.add(batch)
    try:
        db.session.flush()
    except IntegrityError:  # the same file uploaded at the same moment: the unique index let one batch in
        db.session.rollback()
        winner = live_batch(source_key, digest)
        if winner is None:
            raise
        return winner, False
    audit.record("pool.upload", batch, detail=f"{SOURCES[source_key].label} {batch.filename} ({len(data)} 字节)")
    job = start_job("workers.pool.import_source_file", kind=IMPORT_KIND,
                    title=f"导入{SOURCES[source_key].label}数据", owner=user, params={"batch_id": batch.id},
                    args=(batch.id,), idempotent=True)
    batch.job_id = job.id
    db.session.commit()
    return batch, True


def live_batch(source_key: str, digest: str) -> ImportBatch | None:
    """The batch of this file that is queued, running or done (at most one, by a partial unique index)."""
    return db.session.execute(db.select(ImportBatch).where(
        ImportBatch.source == source_key, ImportBatch.content_hash == digest, ImportBatch.state != FAILED)
    ).scalars().first()


def _batch_of(job: Job) -> ImportBatch | None:
    # By the job's params: when Redis refuses the job at upload, the batch is not linked to it yet.
    return db.session.get(ImportBatch, (job.params or {}).get("batch_id") or 0)


@on_job_failed(IMPORT_KIND)
def _fail_batch(job: Job) -> None:
    """A failed import job (crash, lost with Redis, timeout) fails its batch, so the file can be imported again."""
    batch = _batch_of(job)
    if batch is not None and batch.state != FAILED:
        batch.state, batch.error, batch.finished_at = FAILED, job.error or "导入未完成", utcnow()


@on_job_retry(IMPORT_KIND)
def _reopen_batch(job: Job) -> None:
    """Re-running a failed import takes its batch back, unless the file has been uploaded again meanwhile."""
    batch = _batch_of(job)
    if batch is None:
        return
    newer = live_batch(batch.source, batch.content_hash)
    if newer is not None and newer.id != batch.id:
        raise Invalid(f"该文件已重新上传（批次 {newer.id}），请在该批次查看结果")
    batch.state, batch.error, batch.finished_at = "queued", None, None


def batches(user, limit: int = 50) -> list[ImportBatch]:
    """Recent batches: the user's own, or all for county-level admins."""
    stmt = db.select(ImportBatch).order_by(ImportBatch.id.desc()).limit(limit)
    if user.role not in (SYSADMIN, COUNTY_ADMIN):
        stmt = stmt.where(ImportBatch.uploaded_by == user.id)
    return list(db.session.execute(stmt).scalars())


def get_batch_or_404(user, batch_id: int) -> ImportBatch:
    """A batch the user may see."""
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None or (batch.uploaded_by != user.id and user.role not in (SYSADMIN, COUNTY_ADMIN)):
        abort(404)
    return batch
