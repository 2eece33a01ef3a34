"""重点人群: tagged residents and households per child region (低保, 残疾, 80岁以上, 监测户 …)."""
from sqlalchemy import func

from app.blueprints.reports.registry import report
from app.blueprints.reports.rows import child_regions, subtree
from app.extensions import db
from app.models.household import Household, TagDefinition
from app.models.person import Person


def tag_names(scope: str) -> list[str]:
    """Active tags of the dictionary for persons or households, in their order."""
    return list(db.session.execute(db.select(TagDefinition.name).where(
        TagDefinition.scope == scope, TagDefinition.is_active.is_(True))
        .order_by(TagDefinition.sort_order, TagDefinition.name)).scalars())


def counts(region, person_tags: list[str], household_tags: list[str]) -> list[int]:
    """Tagged persons (在册) then tagged households in the region's subtree."""
    live = (Household.region_id.in_(subtree(region)), Household.deleted_at.is_(None))
    people = db.session.execute(
        db.select(*[func.count(Person.id).filter(Person.tags.like(f"%|{tag}|%")) for tag in person_tags] or
                  [func.count(Person.id)])
        .select_from(Person).join(Household, Household.id == Person.household_id)
        .where(*live, Person.deleted_at.is_(None), Person.residence_status == "在册")).one()
    homes = db.session.execute(
        db.select(*[func.count(Household.id).filter(Household.tags.like(f"%|{tag}|%")) for tag in household_tags]
                  or [func.count(Household.id)]).where(*live)).one()
    return list(people)[:len(person_tags)] + list(homes)[:len(household_tags)]


@report("key_groups", "重点人群统计", "各下级区域按人员标签（残疾人、80岁以上等）和户标签（低保户、监测户等）统计")
def build(book, region, period) -> int:
    """One row per child region and a totals row over the whole region."""
    person_tags, household_tags = tag_names("person"), tag_names("household")
    width = 1 + len(person_tags) + len(household_tags)
    book.title(f"{region.name}重点人群统计表", f"统计范围：{region.name}　　统计期间：{period.label}", max(width, 2))
    book.columns([22] + [11] * (width - 1))
    groups = [("区域", ["区域"])]
    if person_tags:
        groups.append(("重点人员（人）", person_tags))
    if household_tags:
        groups.append(("重点户（户）", household_tags))
    book.headers(groups)
    kinds = ["int"] * (width - 1)
    rows = 0
    for child in child_regions(region):
        book.data_row([child.name, *counts(child, person_tags, household_tags)], ["text", *kinds])
        rows += 1
    book.totals_row("合计", counts(region, person_tags, household_tags), kinds)
    return rows
