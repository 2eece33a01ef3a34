"""Ticket attachments: the content must match the claimed type; files live under FILES_DIR/tickets/."""
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import abort, current_app

from app.extensions import db
from app.models.ticket import Ticket, TicketAttachment
from app.security import audit
from app.validation import Invalid

MAX_BYTES = 10 * 1024 * 1024
# extension → (content type, magic prefixes the file must start with)
ALLOWED = {
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "pdf": ("application/pdf", (b"%PDF-",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (b"PK\x03\x04",)),
    "txt": ("text/plain", ()),
    "log": ("text/plain", ()),
}


@dataclass
class CheckedUpload:
    """An upload whose name, size and content agree."""

    filename: str
    content_type: str
    data: bytes


def check_upload(upload) -> CheckedUpload:
    """Check type by content (not by the browser's claim) and size."""
    name = Path(upload.filename or "").name.strip()
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED:
        raise Invalid({"attachments": f"附件“{name}”类型不允许，仅支持 PNG/JPG/PDF/XLSX/DOCX/TXT/LOG"})
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise Invalid({"attachments": f"附件“{name}”超过 10 MB"})
    if not data:
        raise Invalid({"attachments": f"附件“{name}”是空文件"})
    content_type, magics = ALLOWED[ext]
    if magics and not any(data.startswith(m) for m in magics):
        raise Invalid({"attachments": f"附件“{name}”的内容与扩展名不符"})
    if not magics:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid({"attachments": f"附件“{name}”不是 UTF-8 文本"}) from None
    return CheckedUpload(filename=name[:255], content_type=content_type, data=data)


def _folder() -> Path:
    folder = Path(current_app.config["FILES_DIR"]) / "tickets"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def store_upload(ticket: Ticket, actor, item: CheckedUpload, now: datetime) -> TicketAttachment:
    """Write the file and add its row in the caller's transaction."""
    stored = uuid.uuid4().hex
    (_folder() / stored).write_bytes(item.data)
    row = TicketAttachment(ticket_id=ticket.id, filename=item.filename, content_type=item.content_type,
                           size=len(item.data), stored_name=stored, uploaded_by=actor.id, created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("ticket.attach", row, changes={"filename": [None, item.filename], "size": [None, len(item.data)]})
    return row


def add_attachment(actor, ticket: Ticket, upload, now: datetime) -> TicketAttachment:
    """Attach one more file to an open ticket."""
    from app.blueprints.tickets.states import FINISHED

    if ticket.state in FINISHED:
        raise Invalid({"attachments": "工单已关闭或已取消，不能再添加附件"})
    if upload is None or not upload.filename:
        raise Invalid({"attachments": "请选择文件"})
    row = store_upload(ticket, actor, check_upload(upload), now)
    db.session.commit()
    return row


def attachment_path(ticket: Ticket, attachment_id: int) -> tuple[TicketAttachment, Path]:
    """An attachment of this (already visible) ticket and its file."""
    row = db.session.get(TicketAttachment, attachment_id)
    if row is None or row.ticket_id != ticket.id:
        abort(404)
    path = _folder() / row.stored_name
    if not path.is_file():
        abort(404)
    return row, path
