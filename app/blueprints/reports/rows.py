"""Helpers shared by report definitions: the child regions a report breaks down by."""
from app.extensions import db
from app.models.region import Region


def child_regions(region: Region) -> list[Region]:
    """The rows of a breakdown: the region's children, or the region itself for a grid."""
    children = list(db.session.execute(db.select(Region).where(Region.parent_id == region.id)
                                       .order_by(Region.code)).scalars())
    return children or [region]


def subtree(region: Region):
    """Select of region ids at or below `region`."""
    return db.select(Region.id).where(Region.path.startswith(region.path, autoescape=True))
