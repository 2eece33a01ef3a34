"""The one place that limits area data to the current user's region subtree."""
from flask import abort
from flask_login import current_user
from sqlalchemy import Select

from app.extensions import db
from app.models.region import Region
from app.security.region_cache import subtree_id_list


def subtree_ids(root: Region) -> tuple[int, ...]:
    """The ids of `root` and every node below it (cached per region-tree version), for `column.in_(...)`."""
    return subtree_id_list(root)


def scope(stmt: Select, region_column, user=None) -> Select:
    """Limit a select on area data to rows whose region lies in the user's subtree.

    The subtree's ids come from the per-process region cache as a list, so the planner sees the actual grids
    (an index range per grid) instead of a sub-select on region paths it can only guess about.
    """
    user = user or current_user
    return stmt.where(region_column.in_(subtree_ids(user.region)))


def in_scope(region: Region | None, user=None) -> bool:
    """True when the region lies in the user's subtree."""
    user = user or current_user
    return region is not None and user.region.contains(region)


def get_scoped_or_404(model, object_id, region_attr: str = "region_id", user=None):
    """Load one row of area data by id, or answer 404 when it is missing or in another area."""
    stmt = scope(db.select(model).where(model.id == object_id), getattr(model, region_attr), user)
    obj = db.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def scoped_regions(user=None) -> Select:
    """Select of the region nodes the user may see, in tree order."""
    user = user or current_user
    return scope(db.select(Region), Region.id, user).order_by(Region.path)
