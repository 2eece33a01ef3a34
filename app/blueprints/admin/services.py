"""User accounts and the region tree, always within the acting admin's subtree."""
from app.extensions import db
from app.models.region import COMMUNITY, GRID, TOWN, Region
from app.models.user import User
from app.outbox import REGION_CHANGED, emit
from app.security import audit
from app.security import permissions as P
from app.security.passwords import generate_initial_password, hash_password
from app.security.scoping import get_scoped_or_404, in_scope, scope
from app.validation import Invalid
from app.versioning import bump, check_version

USER_FIELDS = ("display_name", "role", "region_id", "department", "is_enabled")
# A role that works on one level of the tree must sit on that level.
ROLE_LEVEL = {P.TOWN_ADMIN: TOWN, P.COMMUNITY_ADMIN: COMMUNITY, P.GRID_WORKER: GRID}
HIGHER_ROLE = "该账号的角色拥有您没有的权限，您不能修改、停用或重置它"


def assignable_roles(actor: User) -> list[str]:
    """Roles this admin may give: only those whose every permission it holds itself (the system admin: all)."""
    if actor.role == P.SYSADMIN:
        return list(P.ROLES)
    own = P.ROLE_PERMISSIONS.get(actor.role, frozenset())
    return [role for role in P.ROLES if P.ROLE_PERMISSIONS[role] <= own]


def may_manage(actor: User, user: User) -> bool:
    """An admin acts on its own account or on accounts whose role it could grant, never on a higher one."""
    return user.id == actor.id or user.role in assignable_roles(actor)


def _check_target(actor: User, user: User) -> None:
    if not may_manage(actor, user):
        audit.record_now("user.refused", object_type="user_account", object_id=user.id, outcome="refused",
                         detail=f"{actor.username} 试图操作更高权限的账号 {user.username}")
        raise Invalid(HIGHER_ROLE)


def users_query(actor: User, text: str = ""):
    """Users in the admin's subtree, optionally filtered by name."""
    stmt = scope(db.select(User), User.region_id, actor).order_by(User.username)
    if text:
        like = f"%{text}%"
        stmt = stmt.where(User.username.ilike(like) | User.display_name.ilike(like))
    return stmt


def get_user_or_404(actor: User, user_id: int) -> User:
    """A user in the admin's subtree."""
    return get_scoped_or_404(User, user_id, user=actor)


def _check_assignment(actor: User, role: str, region: Region | None, department: str | None) -> dict:
    errors: dict[str, list[str]] = {}
    if role not in assignable_roles(actor):
        errors["role"] = ["无权授予该角色"]
    if region is None or not in_scope(region, actor):
        errors["region_id"] = ["所选区划不存在或不在您的管辖范围内"]
    elif role in ROLE_LEVEL and region.level != ROLE_LEVEL[role]:
        errors["region_id"] = [f"该角色须设在“{Region(level=ROLE_LEVEL[role]).level_label}”一级"]
    if role == P.DEPARTMENT and not (department or "").strip():
        errors["department"] = ["部门用户须填写所属部门"]
    return errors


def create_user(actor: User, *, username: str, display_name: str, role: str, region_id: int,
                department: str | None) -> tuple[User, str]:
    """Create an account with a random initial password that must be changed at first login."""
    username = username.strip()
    errors = _check_assignment(actor, role, db.session.get(Region, region_id), department)
    if db.session.execute(db.select(User.id).where(User.username == username)).first():
        errors["username"] = ["该用户名已被使用"]
    if errors:
        raise Invalid(errors)
    password = generate_initial_password()
    user = User(username=username, display_name=display_name.strip(), role=role, region_id=region_id,
                department=(department or "").strip() or None, password_hash=hash_password(password),
                must_change_password=True)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", user, changes={name: [None, audit.snapshot(user, USER_FIELDS)[name]]
                                               for name in USER_FIELDS})
    db.session.commit()
    return user, password


def update_user(actor: User, user: User, *, display_name: str, role: str, region_id: int,
                department: str | None, version=None) -> User:
    """Change name, role, region or department; a form older than the account is refused."""
    _check_target(actor, user)
    check_version(user, version)
    errors = _check_assignment(actor, role, db.session.get(Region, region_id), department)
    if user.id == actor.id and role != actor.role:
        errors["role"] = ["不能修改自己的角色"]
    if errors:
        raise Invalid(errors)
    before = audit.snapshot(user, USER_FIELDS)
    user.display_name, user.role, user.region_id = display_name.strip(), role, region_id
    user.department = (department or "").strip() or None
    diff = audit.changed(before, user)
    if diff:
        if "role" in diff or "region_id" in diff:
            user.session_version += 1  # new rights take effect at the next login
        audit.record("user.update", user, changes=diff)
        bump(user)
    db.session.commit()
    return user


def set_enabled(actor: User, user: User, enabled: bool) -> User:
    """Disable or re-enable an account; disabling ends its sessions."""
    if user.id == actor.id:
        raise Invalid("不能停用自己的账号")
    _check_target(actor, user)
    before = audit.snapshot(user, USER_FIELDS)
    user.is_enabled = enabled
    bump(user)
    if not enabled:
        user.session_version += 1
    audit.record("user.enable" if enabled else "user.disable", user, changes=audit.changed(before, user))
    db.session.commit()
    return user


def reset_password(actor: User, user: User) -> str:
    """Give the account a new random password, unlock it, end its sessions, force a change at next login."""
    _check_target(actor, user)
    password = generate_initial_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.locked_until = None
    user.session_version += 1
    audit.record("user.reset_password", user)
    db.session.commit()
    return password


def regions_in_scope(actor: User) -> list[Region]:
    """Every node the admin may see, in tree order."""
    return list(db.session.execute(scope(db.select(Region), Region.id, actor).order_by(Region.path)).scalars())


def add_region(actor: User, parent: Region, *, code: str, name: str) -> Region:
    """Add a child node below `parent`, one level down."""
    errors: dict[str, list[str]] = {}
    if parent.child_level is None:
        errors[""] = ["网格是最末一级，不能再添加下级"]
    if db.session.execute(db.select(Region.id).where(Region.code == code.strip())).first():
        errors["code"] = ["该区划代码已存在"]
    if errors:
        raise Invalid(errors)
    region = Region(code=code.strip(), name=name.strip(), level=parent.child_level, parent_id=parent.id)
    db.session.add(region)
    db.session.flush()
    region.path = f"{parent.path}{region.id}/"
    audit.record("region.create", region, changes={"code": [None, region.code], "name": [None, region.name],
                                                   "parent_id": [None, parent.id]})
    _emit_region(region, parent)
    db.session.commit()
    return region


def rename_region(actor: User, region: Region, name: str, *, version=None) -> Region:
    """Rename a node; codes and paths stay; a form older than the node is refused."""
    check_version(region, version)
    before = audit.snapshot(region, ("name",))
    region.name = name.strip()
    diff = audit.changed(before, region)
    if diff:
        audit.record("region.rename", region, changes=diff)
        bump(region)
        _emit_region(region, region.parent)
    db.session.commit()
    return region


def _emit_region(region: Region, parent: Region | None) -> None:
    emit(REGION_CHANGED, region, region_id=region.id, payload={
        "code": region.code, "name": region.name, "level": region.level,
        "parent_code": parent.code if parent else None})


def get_region_or_404(actor: User, region_id: int) -> Region:
    """A node in the admin's subtree."""
    return get_scoped_or_404(Region, region_id, region_attr="id", user=actor)
