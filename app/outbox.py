"""Appending change events to the outbox (delivered later by the dispatch jobs), and the fields they carry."""
from app.extensions import db
from app.models.dispatch import OutboxEvent

ENVELOPE_FIELDS = ("id", "event_type", "entity_type", "entity_id", "region_id", "created_at")
# event type -> payload keys; each area declares what it emits so dispatch mappings can be checked.
_PAYLOAD_FIELDS: dict[str, tuple[str, ...]] = {}


def declare(event_type: str, *payload_fields: str) -> str:
    """Register an event type and the payload keys it carries; returns the type for use as a constant."""
    _PAYLOAD_FIELDS[event_type] = tuple(sorted(set(_PAYLOAD_FIELDS.get(event_type, ())) | set(payload_fields)))
    return event_type


def event_types() -> list[str]:
    """Every declared event type."""
    return sorted(_PAYLOAD_FIELDS)


def known_fields() -> set[str]:
    """Source fields a dispatch mapping may name: envelope fields and payload.<key>."""
    fields = set(ENVELOPE_FIELDS)
    for keys in _PAYLOAD_FIELDS.values():
        fields.update(f"payload.{key}" for key in keys)
    return fields


def emit(event_type: str, entity, *, region_id: int | None, payload: dict) -> OutboxEvent:
    """Add an event to the caller's transaction: it commits (or rolls back) together with the change."""
    event = OutboxEvent(event_type=event_type, entity_type=getattr(entity, "__tablename__", str(entity)),
                        entity_id=str(getattr(entity, "id", "")), region_id=region_id, payload=payload)
    db.session.add(event)
    return event


# Foundation events: departments keep their copy of the region tree current.
REGION_CHANGED = declare("region.changed", "code", "name", "level", "parent_code")

# Household archive events (payloads carry the ID blind index, never the clear number).
_HOUSEHOLD_KEYS = ("number", "region_id", "kind", "address", "tags", "changed", "reason", "restored")
_PERSON_KEYS = ("household_id", "id_number_hash", "name", "relation", "residence_status", "changed", "reason")
for _type in ("household.created", "household.updated", "household.deleted"):
    declare(_type, *_HOUSEHOLD_KEYS)
for _type in ("person.created", "person.updated", "person.removed"):
    declare(_type, *_PERSON_KEYS)
