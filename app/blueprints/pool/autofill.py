"""Auto-fill (一数一源): the authoritative pool value of each person field, with its source and date."""
from dataclasses import dataclass
from datetime import date

from app.blueprints.pool.sources import FILLABLE, field_sources, source_label
from app.clock import to_local
from app.extensions import db
from app.models.source import SourceRecord
from app.security import pii


@dataclass
class Fact:
    """One field's value according to its authoritative source."""

    field: str
    value: str
    source: str
    date: str

    @property
    def source_label(self) -> str:
        return source_label(self.source)


def records_for(id_hash: str) -> dict[str, SourceRecord]:
    """The latest record of each source for one resident (one query)."""
    stmt = db.select(SourceRecord).where(SourceRecord.id_number_hash == id_hash).order_by(SourceRecord.changed_at)
    return {r.source: r for r in db.session.execute(stmt).scalars()}


def fact_value(field: str, record: SourceRecord) -> str:
    """The person-field value a source record implies."""
    key = FILLABLE[field][1][record.source]
    raw = record.name if key == "name" else str(record.payload.get(key) or "")
    if field == "residence_status":
        return "死亡" if raw else ""
    if field == "disability":
        return "残疾人" if raw else ""
    return raw


def facts_for_hash(id_hash: str | None) -> dict[str, Fact]:
    """Field → Fact from the mapped source, for one resident's blind index."""
    if not id_hash:
        return {}
    records = records_for(id_hash)
    facts = {}
    for field, source in field_sources().items():
        record = records.get(source)
        if record is not None:
            value = fact_value(field, record)
            if value:
                # China date: a file imported at 07:00 was imported "today", not yesterday in UTC.
                facts[field] = Fact(field, value, source, to_local(record.changed_at).date().isoformat())
    return facts


def facts_for_number(raw: str | None) -> tuple[str | None, dict[str, Fact]]:
    """(normalized ID or None, facts) for a typed ID number; an invalid ID gives no facts."""
    try:
        number = pii.parse_id_number(raw).number
    except Exception:
        return None, {}
    return number, facts_for_hash(pii.blind_index(number))


def as_form_value(fact: Fact):
    """The value as a form field wants it."""
    if fact.field == "birth_date":
        try:
            return date.fromisoformat(fact.value)
        except ValueError:
            return None
    return fact.value


# Fields the ID number itself determines; filled from it when the pool has nothing better.
FROM_ID = ("gender", "birth_date")


def refill(form, person=None) -> tuple[str | None, dict[str, Fact]]:
    """Fill the member form for its typed ID: every field the previous look-up filled is replaced or cleared.

    A field the clerk typed by hand is left alone; one the last ID's pool data filled never survives a new ID.
    `form.autofilled` carries the names filled last time and leaves with the names filled now.
    """
    number, facts = facts_for_number(form.id_number.data)
    previous = {name for name in (form.autofilled.data or "").split(",") if name in FILLABLE}
    filled = set(facts)
    for name in previous - filled:
        if name == "disability":
            keep = person is not None and "残疾人" in person.tag_list
            form.tags.data = [t for t in (form.tags.data or []) if t != "残疾人" or keep]
        else:
            form[name].data, form[name].raw_data = getattr(person, name) if person else form[name].default, None
    for name, fact in facts.items():
        if name == "disability":
            form.tags.data = list(dict.fromkeys((form.tags.data or []) + ["残疾人"]))
        else:
            form[name].data, form[name].raw_data = as_form_value(fact), None
    if number:
        info = pii.parse_id_number(number)
        for name in FROM_ID:
            if name not in facts:
                form[name].data, form[name].raw_data = getattr(info, name), None
                filled.add(name)
    form.autofilled.data = ",".join(sorted(filled))
    return number, facts
