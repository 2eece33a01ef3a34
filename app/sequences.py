"""Named counters in the database: atomic on SQLite and PostgreSQL, and they survive a Redis restart."""
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models.counter import Counter


def next_value(name: str, *, start_after: int = 0) -> int:
    """Add one to the counter and return it, in the caller's transaction (the row stays locked until it ends).

    A counter seen for the first time starts after `start_after` (e.g. the highest number already stored)."""
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(Counter).values(name=name, value=start_after)
                       .on_conflict_do_nothing(index_elements=["name"]))
    return db.session.execute(db.update(Counter).where(Counter.name == name).values(value=Counter.value + 1)
                              .returning(Counter.value)).scalar_one()


def raise_to(name: str, value: int) -> None:
    """Move the counter up to at least `value` (after numbers were stored some other way)."""
    db.session.execute(db.update(Counter).where(Counter.name == name, Counter.value < value).values(value=value))
