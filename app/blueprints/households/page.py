"""Everything the household page shows, preloaded in a fixed number of queries."""
from app.blueprints.households.forms import ChangeHeadForm, ReasonForm
from app.blueprints.households.kinship import relation_choices
from app.blueprints.households.queries import ancestors, members_of
from app.blueprints.households.sections import sections_for
from app.blueprints.pool.sources import SOURCES, source_label
from app.extensions import db
from app.models.person import PRESENT, REGISTERED
from app.models.source import Conflict, SourceRecord
from app.security.permissions import ARCHIVE_EDIT, PII_REVEAL


def source_facts(people) -> dict[int, list[dict]]:
    """Person id → the pool records about them (source, department, date, key facts)."""
    by_hash = {p.id_number_hash: p.id for p in people}
    if not by_hash:
        return {}
    stmt = (db.select(SourceRecord).where(SourceRecord.id_number_hash.in_(by_hash))
            .order_by(SourceRecord.source, SourceRecord.record_key))
    facts: dict[int, list[dict]] = {}
    for record in db.session.execute(stmt).scalars():
        columns = SOURCES[record.source].columns if record.source in SOURCES else ()
        shown = "；".join(f"{c.header}：{record.payload.get(c.key)}" for c in columns if record.payload.get(c.key))
        facts.setdefault(by_hash[record.id_number_hash], []).append(
            {"source": source_label(record.source), "department": record.department, "facts": shown,
             "date": record.changed_at})
    return facts


def household_context(household, user) -> dict:
    """Template context of 一户一档."""
    people = members_of(household)
    # Members who moved out, died or were cancelled stay on the archive (nothing is deleted) but apart.
    current = [p for p in people if p.residence_status in PRESENT]
    former = [p for p in people if p.residence_status not in PRESENT]
    conflicts = list(db.session.execute(
        db.select(Conflict).where(Conflict.household_id == household.id, Conflict.state == "open")
        .order_by(Conflict.created_at)).scalars())
    head_form = ChangeHeadForm()
    # Only a registered (在册) member can head the household: not one who moved out, died or is in transit.
    head_form.person_id.choices = [(p.id, p.name) for p in current
                                   if not p.is_head and p.residence_status == REGISTERED]
    head_form.old_head_relation.choices = relation_choices()
    return {"household": household, "members": current, "former": former, "facts": source_facts(current),
            "conflicts": conflicts, "path": [r.name for r in ancestors(household.region)],
            "sections": sections_for(household, user),
            "head_form": head_form, "reason_form": ReasonForm(), "can_edit": user.can(ARCHIVE_EDIT),
            "can_reveal": user.can(PII_REVEAL)}
