"""The message log: masked for reading; the log gateway's sealed original revealed on demand, audited."""
from flask import abort

from app.extensions import db
from app.models.notification import OutboundMessage
from app.security import audit, pii
from app.security.permissions import PII_REVEAL


def reveal(actor, message_id: int) -> str:
    """The full text the log gateway recorded as delivered (demo and offline use); needs pii.reveal."""
    message = db.session.get(OutboundMessage, message_id)
    if message is None or not message.sealed:
        abort(404)
    if not actor.can(PII_REVEAL):
        abort(403)
    _recipient, _, text = (pii.decrypt(message.sealed) or "").partition("\n")
    audit.record("message.reveal", message, detail=f"{message.recipient}")
    db.session.commit()
    return text
