"""The tag dictionary (脱贫户, 低保户, 残疾人 …) an admin edits."""
from app.extensions import db
from app.models.household import TAG_SCOPES, TagDefinition
from app.security import audit
from app.validation import Invalid

DEFAULT_TAGS = {
    "household": ("脱贫户", "监测户", "低保户", "特困供养户", "厕所改造已完成", "厕所改造未完成", "独居老人户",
                  "军属户"),
    "person": ("残疾人", "退役军人", "80岁以上", "留守儿童", "留守老人", "重点关注", "党员"),
}


def active_tags(scope_key: str) -> list[str]:
    """Names offered on forms and filters, in order."""
    stmt = (db.select(TagDefinition.name).where(TagDefinition.scope == scope_key, TagDefinition.is_active.is_(True))
            .order_by(TagDefinition.sort_order, TagDefinition.id))
    return list(db.session.execute(stmt).scalars())


def all_tags() -> list[TagDefinition]:
    """Every dictionary entry for the admin page."""
    stmt = db.select(TagDefinition).order_by(TagDefinition.scope, TagDefinition.sort_order, TagDefinition.id)
    return list(db.session.execute(stmt).scalars())


def ensure_defaults() -> None:
    """Seed the dictionary once (demo load and first use)."""
    if db.session.execute(db.select(TagDefinition.id).limit(1)).first():
        return
    for scope_key, names in DEFAULT_TAGS.items():
        for order, name in enumerate(names):
            db.session.add(TagDefinition(scope=scope_key, name=name, sort_order=order))
    db.session.flush()


def add_tag(scope_key: str, name: str) -> TagDefinition:
    """Add a dictionary entry."""
    name = (name or "").strip()
    if scope_key not in TAG_SCOPES:
        raise Invalid({"scope": "请选择标签类别"})
    if not name or len(name) > 32 or "|" in name:
        raise Invalid({"name": "标签名称应为 1–32 个字符，且不含“|”"})
    exists = db.session.execute(db.select(TagDefinition.id).where(TagDefinition.scope == scope_key,
                                                                  TagDefinition.name == name)).first()
    if exists:
        raise Invalid({"name": "该标签已存在"})
    tag = TagDefinition(scope=scope_key, name=name, sort_order=len(active_tags(scope_key)))
    db.session.add(tag)
    db.session.flush()
    audit.record("tag.create", tag, changes={"scope": [None, scope_key], "name": [None, name]})
    db.session.commit()
    return tag


def set_tag_active(tag_id: int, active: bool) -> TagDefinition:
    """Retire or bring back an entry; records keep the tags they carry."""
    tag = db.get_or_404(TagDefinition, tag_id)
    before = audit.snapshot(tag, ("is_active",))
    tag.is_active = active
    audit.record("tag.update", tag, changes=audit.changed(before, tag))
    db.session.commit()
    return tag
