"""security and privacy: message log masked with a blind index and a sealed copy; personal data removed from
request replays, ticket source pages and their audit rows

Revision ID: 0102
Revises: 0104
Create Date: 2026-12-03 08:30:00

"""
import re

import sqlalchemy as sa
from alembic import op

from migrations.guards import create_append_only_guard, drop_append_only_guard

# revision identifiers, used by Alembic.
revision = '0102'
down_revision = '0104'
branch_labels = None
depends_on = None

# Frozen copies of the rules at the time of this migration (the app's own rules may change later).
_LONG_DIGITS = re.compile(r"\d{7,}")
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{4})\d{10}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_CODE = re.compile(r"(验证码为\s*)\d{4,8}")


def _path_only(page):
    """A stored page with its query dropped and long numbers in the path starred out."""
    if not page:
        return page
    path = page.split("?", 1)[0].split("#", 1)[0]
    return "/".join("*" if _LONG_DIGITS.search(part) else part for part in path.split("/"))


def _mask_text(text):
    if not text:
        return text
    text = _CODE.sub(lambda m: m.group(1) + "******", text)
    text = _ID_NUMBER.sub(lambda m: m.group(1) + "*" * 10 + m.group(2), text)
    return _PHONE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


def _mask_phone(value):
    return value[:3] + "****" + value[-4:] if value and len(value) >= 7 else value


def upgrade():
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recipient_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('sealed', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbound_message_recipient_hash'), ['recipient_hash'], unique=False)

    bind = op.get_bind()
    message = sa.table('outbound_message', sa.column('id', sa.Integer), sa.column('channel', sa.String),
                       sa.column('recipient', sa.String), sa.column('body', sa.Text), sa.column('error', sa.Text))
    for row in bind.execute(sa.select(message)).mappings().all():
        recipient = _mask_phone(row['recipient']) if row['channel'] == 'sms' else row['recipient']
        bind.execute(message.update().where(message.c.id == row['id']).values(
            recipient=recipient, body=_mask_text(row['body']), error=_mask_text(row['error'])))

    # Replayed pages may show revealed numbers; old ones were stored in clear and are dropped.
    request_key = sa.table('request_key', sa.column('body', sa.Text))
    bind.execute(request_key.update().where(request_key.c.body.isnot(None)).values(body=None))

    ticket = sa.table('ticket', sa.column('id', sa.Integer), sa.column('source_page', sa.String))
    for row in bind.execute(sa.select(ticket).where(ticket.c.source_page.like('%?%'))).mappings().all():
        bind.execute(ticket.update().where(ticket.c.id == row['id']).values(source_page=_path_only(
            row['source_page'])))

    audit = sa.table('audit_log', sa.column('id', sa.Integer), sa.column('object_type', sa.String),
                     sa.column('changes', sa.JSON))
    rows = bind.execute(sa.select(audit).where(audit.c.object_type == 'ticket')).mappings().all()
    fixes = {}
    for row in rows:
        changes = row['changes'] or {}
        pages = changes.get('source_page')
        if isinstance(pages, list) and any(isinstance(p, str) and '?' in p for p in pages):
            fixes[row['id']] = dict(changes, source_page=[_path_only(p) if isinstance(p, str) else p for p in pages])
    if fixes:
        # The log is append-only; this one redaction of personal data lifts the guard for its own statements.
        drop_append_only_guard('audit_log')
        for row_id, changes in fixes.items():
            bind.execute(audit.update().where(audit.c.id == row_id).values(changes=changes))
        create_append_only_guard('audit_log')


def downgrade():
    # The redactions stay: personal data that left the tables is not put back.
    with op.batch_alter_table('outbound_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbound_message_recipient_hash'))
        batch_op.drop_column('sealed')
        batch_op.drop_column('recipient_hash')
