"""Editing the 一数一源 mapping (field → authoritative source)."""
from app.blueprints.pool.sources import FILLABLE, field_sources
from app.extensions import db
from app.models.source import FieldSource
from app.security import audit
from app.validation import Invalid


def set_source(field: str, source: str) -> None:
    """Make `source` authoritative for `field` (audited)."""
    if field not in FILLABLE or source not in FILLABLE[field][1]:
        raise Invalid("该字段不能使用所选来源")
    old = field_sources()[field]
    row = db.session.execute(db.select(FieldSource).where(FieldSource.field == field)).scalar_one_or_none()
    if row is None:
        row = FieldSource(field=field, source=source)
        db.session.add(row)
    row.source = source
    db.session.flush()
    audit.record("pool.mapping", row, changes={field: [old, source]} if old != source else None)
    db.session.commit()
