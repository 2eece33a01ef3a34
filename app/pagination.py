"""Offset paging with a capped page size and a total count: two queries whatever the size."""
from dataclasses import dataclass
from math import ceil

from sqlalchemy import func

from app.extensions import db


@dataclass
class Page:
    """One page of rows plus what the pager needs."""

    items: list
    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.size))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(stmt, page: int, size: int, scalars: bool = True) -> Page:
    """Run a count and one page of the select."""
    total = db.session.execute(db.select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    page = min(page, max(1, ceil(total / size))) if total else 1
    result = db.session.execute(stmt.limit(size).offset((page - 1) * size))
    items = list(result.scalars() if scalars else result)
    return Page(items=items, page=page, size=size, total=total)
