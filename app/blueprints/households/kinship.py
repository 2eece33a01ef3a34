"""What a household register requires of 与户主关系: a chosen relation, one spouse of the head, plausible ages."""
from datetime import date

from app.extensions import db
from app.models.person import PRESENT, RELATIONS, Person
from app.validation import Invalid

PROMPT = ("", "请选择")
# Relation -> (how many years the member is at least younger (+) or older (-) than the head, in words).
AGE_GAPS = {"子女": (15, "小"), "孙子女": (30, "小"), "儿媳": (15, "小"), "女婿": (15, "小"),
            "父母": (-15, "大"), "祖父母": (-30, "大")}
CONFIRM_FIELD = "relation_confirmed"


def relation_choices(with_head: bool = False) -> list[tuple[str, str]]:
    """Select choices with no default: a clerk who skips the field is asked, never given 配偶."""
    return [PROMPT, *((r, r) for r in (RELATIONS if with_head else RELATIONS[1:]))]


def present_members(household_id: int) -> list[Person]:
    """The members who live in the household now (the ones the rules compare with)."""
    return list(db.session.execute(db.select(Person).where(
        Person.household_id == household_id, Person.deleted_at.is_(None),
        Person.residence_status.in_(PRESENT))).scalars())


def years_younger(head_birth: date, birth: date) -> int:
    """Whole years the member is younger than the head (negative when older)."""
    later, earlier, sign = (birth, head_birth, 1) if birth >= head_birth else (head_birth, birth, -1)
    years = later.year - earlier.year - ((later.month, later.day) < (earlier.month, earlier.day))
    return sign * years


def check_relation(members: list[Person], relation: str, birth: date | None, *, person_id: int | None = None,
                   confirmed: bool = False, field: str = "relation") -> None:
    """Refuse a second spouse of the head; an implausible age gap for 子女/父母 needs the clerk's confirmation.

    `members` are the household's present members; the person being edited or moved (person_id) is skipped.
    """
    others = [p for p in members if p.id != person_id]
    if relation == "配偶":
        spouse = next((p for p in others if p.relation == "配偶" and not p.is_head), None)
        if spouse is not None:
            raise Invalid({field: f"该户已登记户主的配偶（{spouse.name}），一户只能有一位配偶；请核对与户主关系"})
    head = next((p for p in others if p.is_head), None)
    rule = AGE_GAPS.get(relation)
    if confirmed or rule is None or head is None or birth is None or head.birth_date is None:
        return
    least, word = rule
    gap = years_younger(head.birth_date, birth)
    if (least > 0 and gap < least) or (least < 0 and gap > least):
        actual = f"小 {gap} 岁" if gap > 0 else (f"大 {-gap} 岁" if gap < 0 else "同岁")
        raise Invalid({
            field: f"“{relation}”通常比户主{word} {abs(least)} 岁以上，此人比户主（{head.name}）{actual}；"
                   "请核对关系和出生日期",
            CONFIRM_FIELD: "如核实无误（如收养、继亲），请勾选后再保存",
        })
