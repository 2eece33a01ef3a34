"""Residents: members of a household, with encrypted ID and phone numbers."""
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db

RELATIONS = ("户主", "配偶", "子女", "父母", "祖父母", "孙子女", "兄弟姐妹", "儿媳", "女婿", "其他")
RESIDENCE_STATUSES = ("在册", "迁出", "死亡", "注销")
REGISTERED = "在册"
# Person.residence_status while a cross-area move waits for the receiving area.
IN_TRANSIT = "迁移中"
# Members who still live in the household (a person waiting for a cross-area move stays where they were);
# the other states (迁出, 死亡, 注销) stay on the archive as former members.
PRESENT = (REGISTERED, IN_TRANSIT)
RESIDENCE_TYPES = ("户籍人口", "常住人口", "流动人口", "人户分离")
EDUCATIONS = ("", "学龄前", "小学", "初中", "高中/中专", "大专", "本科", "研究生", "不识字")
POLITICAL = ("", "群众", "中共党员", "中共预备党员", "共青团员", "民主党派")
MARITAL = ("", "未婚", "已婚", "离婚", "丧偶")
ETHNIC_GROUPS = (
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族", "满族", "侗族", "瑶族",
    "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族", "佤族", "畲族", "高山族", "拉祜族", "水族",
    "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族", "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族",
    "仡佬族", "锡伯族", "阿昌族", "普米族", "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族",
    "保安族", "裕固族", "京族", "塔塔尔族", "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
)

# Active = not soft-deleted. Both partial indexes use the same predicate on SQLite and PostgreSQL.
_ACTIVE = text("deleted_at IS NULL")
_ACTIVE_HEAD = text("is_head AND deleted_at IS NULL")


# The fields audited on every change of a person.
PERSON_FIELDS = ("name", "id_number_hash", "gender", "birth_date", "ethnicity", "phone_hash", "relation", "is_head",
                 "residence_status", "residence_type", "tags", "education", "occupation", "political_status",
                 "marital_status")


class Person(db.Model):
    """One resident in one household; removal and deletion are soft so the recycle bin can restore them."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    id_number_enc: Mapped[str] = mapped_column(String(255))
    id_number_hash: Mapped[str] = mapped_column(String(64), index=True)
    gender: Mapped[str] = mapped_column(String(2))
    birth_date: Mapped[date]
    ethnicity: Mapped[str] = mapped_column(String(16), default="汉族")
    phone_enc: Mapped[str | None] = mapped_column(String(255))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    relation: Mapped[str] = mapped_column(String(8))
    is_head: Mapped[bool] = mapped_column(default=False)
    residence_status: Mapped[str] = mapped_column(String(8), default="在册", index=True)
    residence_type: Mapped[str] = mapped_column(String(8), default="户籍人口")
    tags: Mapped[str] = mapped_column(String(255), default="")
    education: Mapped[str] = mapped_column(String(16), default="")
    occupation: Mapped[str] = mapped_column(String(64), default="")
    political_status: Mapped[str] = mapped_column(String(16), default="")
    marital_status: Mapped[str] = mapped_column(String(8), default="")
    # {field: {"source": "huji", "date": "2026-05-01", "reason": "...", "source_value": "..."}}
    provenance: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Edit forms carry this; the ORM refuses an UPDATE whose row changed since it was read (lost updates).
    row_version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": row_version}
    deleted_at: Mapped[datetime | None] = mapped_column(index=True)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    delete_reason: Mapped[str] = mapped_column(String(128), default="")

    __table_args__ = (
        # Pattern ops let PostgreSQL answer name-prefix searches (LIKE '张%') from the index in any collation.
        Index("ix_person_name", "name", postgresql_ops={"name": "varchar_pattern_ops"}),
        Index("uq_person_active_id_number", "id_number_hash", unique=True,
              sqlite_where=_ACTIVE, postgresql_where=_ACTIVE),
        Index("uq_person_one_head", "household_id", unique=True,
              sqlite_where=_ACTIVE_HEAD, postgresql_where=_ACTIVE_HEAD),
    )

    @property
    def tag_list(self) -> list[str]:
        """Tags in stored order."""
        return [t for t in self.tags.split("|") if t]

    @property
    def id_number(self) -> str:
        """The clear ID number (decrypts; never put it in a page without a reveal)."""
        from app.security.pii import decrypt

        return decrypt(self.id_number_enc) or ""

    @property
    def phone(self) -> str:
        """The clear phone number."""
        from app.security.pii import decrypt

        return decrypt(self.phone_enc) or ""

    def outbox_payload(self) -> dict:
        """What departments hear about a change: the blind index, never the clear ID."""
        return {"household_id": self.household_id, "id_number_hash": self.id_number_hash, "name": self.name,
                "relation": self.relation, "residence_status": self.residence_status}

    def __repr__(self) -> str:
        return f"<Person {self.id} hh={self.household_id}>"
