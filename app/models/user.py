"""Staff and kiosk accounts, and the login attempts that drive lockout."""
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db
from app.models.region import Region


class User(UserMixin, db.Model):
    """One account: one role and one region (its scope)."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"), index=True)
    department: Mapped[str | None] = mapped_column(String(64))
    # Staff contact for notifications (SMS/e-mail); residents' phones live encrypted elsewhere.
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(255))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    # Bumped on password change or disable so other sessions of this user end.
    session_version: Mapped[int] = mapped_column(default=1)
    # Bumped by people's edits only (logins and background work do not make an open edit form stale).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship(lazy="joined")

    @property
    def is_active(self) -> bool:
        """Flask-Login treats disabled accounts as inactive."""
        return self.is_enabled

    def get_id(self) -> str:
        """Session identity includes the version so a password change logs out other sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def role_label(self) -> str:
        """Chinese name of the role."""
        from app.security.permissions import ROLE_LABELS

        return ROLE_LABELS.get(self.role, self.role)

    def can(self, permission: str) -> bool:
        """True when the user's role grants the permission."""
        from app.security.permissions import role_has

        return self.is_enabled and role_has(self.role, permission)


class LoginAttempt(db.Model):
    """Every login attempt, kept to count failures per account and per client address."""

    __tablename__ = "login_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    succeeded: Mapped[bool]
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
