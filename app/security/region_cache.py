"""Region subtrees and area options cached per process, dropped everywhere when the region tree changes.

Every scoped query needs the ids of the user's subtree and every list page the area options; both change only
when an admin edits the tree. Each process keeps them in memory under the region-tree version, a Redis counter
that any process replaces after committing a region change, so the next request of every process reloads. The
version is a random token (not a counter): a Redis that was emptied never brings back an old version.
Without a reachable Redis nothing is cached (each request reads the tree, as before).
"""
import threading
import uuid

from flask import current_app, g, has_app_context
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.models.region import Region

VERSION_KEY = "portal:region-tree-version"
MAX_ENTRIES = 2048
_lock = threading.Lock()
_entries: dict[tuple, object] = {}


def _redis():
    from workers.queues import redis_connection  # the connection factory, not job code

    return redis_connection(current_app)


def tree_version() -> str | None:
    """The region-tree version, read once per request; None when Redis cannot be asked."""
    if "region_tree_version" not in g:
        try:
            conn = _redis()
            value = conn.get(VERSION_KEY)
            if value is None:
                conn.set(VERSION_KEY, uuid.uuid4().hex, nx=True)
                value = conn.get(VERSION_KEY)
            g.region_tree_version = value.decode() if isinstance(value, bytes) else str(value)
        except RedisError:
            g.region_tree_version = None
    return g.region_tree_version


def cached(kind: str, root: Region, load):
    """`load()` once per (tree version, kind, root); uncached when the version is unknown."""
    version = tree_version()
    if version is None:
        return load()
    key = (current_app.config["SQLALCHEMY_DATABASE_URI"], version, kind, root.id, root.path)
    with _lock:
        if key in _entries:
            return _entries[key]
    value = load()
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[key] = value
    return value


def subtree_id_list(root: Region) -> tuple[int, ...]:
    """Ids of `root` and every node below it."""
    return cached("subtree", root, lambda: tuple(db.session.execute(
        db.select(Region.id).where(Region.path.startswith(root.path, autoescape=True)).order_by(Region.id))
        .scalars()))


def subtree_rows(root: Region) -> tuple[tuple, ...]:
    """(id, name, level, depth) of the subtree in tree order: what option lists need, without ORM objects."""
    return cached("rows", root, lambda: tuple(
        (r.id, r.name, r.level, r.depth) for r in db.session.execute(
            db.select(Region).where(Region.path.startswith(root.path, autoescape=True)).order_by(Region.path))
        .scalars()))


def bump() -> None:
    """Tell every process that the tree changed."""
    g.pop("region_tree_version", None)
    try:
        _redis().set(VERSION_KEY, uuid.uuid4().hex)
    except RedisError:  # nothing was cached while Redis was away, and the next read fails the same way
        pass


def _note_region_changes(session, _flush_context) -> None:
    if any(isinstance(obj, Region) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["regions_changed"] = True


def _after_commit(session) -> None:
    if session.info.pop("regions_changed", False) and has_app_context():
        bump()


def init_app(app) -> None:
    """Listen for region changes on every session (once per process)."""
    if not event.contains(Session, "after_flush", _note_region_changes):
        event.listen(Session, "after_flush", _note_region_changes)
        event.listen(Session, "after_commit", _after_commit)
