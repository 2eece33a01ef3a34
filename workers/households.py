"""Household export to XLSX: households with their members, streamed in constant memory."""
from app.extensions import db
from app.models.household import Household
from app.models.person import Person
from app.models.region import Region
from app.models.user import User
from app.security import audit, pii
from app.security.permissions import PII_REVEAL
from app.spreadsheets import header_format, print_setup, streaming_workbook
from workers.context import portal_job

HEADERS = ("户号", "网格", "户类型", "地址", "户标签", "姓名", "与户主关系", "公民身份号码", "性别", "出生日期",
           "民族", "手机号", "人员状态", "居住类型", "人员标签", "文化程度", "职业", "政治面貌", "婚姻状况")
BATCH = 1000


@portal_job
def export_households(ctx, viewer_id: int, filters: dict):
    """Write the filtered households and their active members; IDs masked unless the viewer may reveal."""
    from app.blueprints.households.queries import Filters, households_query

    viewer = db.session.get(User, viewer_id)
    reveal = viewer.can(PII_REVEAL)
    # Plain columns, not entities: the stream then holds no ORM state and memory stays flat.
    stmt = households_query(viewer, Filters(**filters)).with_only_columns(
        Household.id, Household.number, Household.region_id, Household.kind, Household.address, Household.tags,
        maintain_column_froms=True)
    grid_names = dict(db.session.execute(db.select(Region.id, Region.name)).all())
    total = db.session.execute(db.select(db.func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    path = ctx.result_file("households.xlsx")
    workbook = streaming_workbook(path)
    sheet = workbook.add_worksheet("户档")
    bold = header_format(workbook)
    sheet.freeze_panes(1, 0)
    sheet.set_column(0, 4, 14)
    sheet.set_column(5, 18, 12)
    sheet.write_row(0, 0, HEADERS, bold)
    written, households = 0, 0
    # Households in list order; members of each batch in one query (memory stays flat).
    batch: list = []
    for row in db.session.execute(stmt.execution_options(yield_per=BATCH)):
        tags = "、".join(t for t in row.tags.split("|") if t)
        batch.append((row.id, row.number, grid_names.get(row.region_id, ""), row.kind, row.address, tags))
        if len(batch) == BATCH:
            written = _write(sheet, batch, written, reveal)
            households += len(batch)
            batch = []
            ctx.progress(households * 100 // max(total, 1), f"已导出 {households} / {total} 户")
    written = _write(sheet, batch, written, reveal)
    households += len(batch)
    print_setup(sheet, last_row=written, last_col=len(HEADERS) - 1)
    workbook.close()
    audit.record("household.export", object_type="household", actor=viewer,
                 detail=f"{households} 户 {written} 人；{'完整' if reveal else '脱敏'}证件号；筛选 {filters}")
    db.session.commit()
    return {"path": str(path), "name": "户档导出.xlsx", "message": f"共导出 {households} 户、{written} 人"}


def _write(sheet, batch, written: int, reveal: bool) -> int:
    if not batch:
        return written
    people: dict[int, list[Person]] = {}
    stmt = (db.select(Person).where(Person.household_id.in_([b[0] for b in batch]), Person.deleted_at.is_(None))
            .order_by(Person.is_head.desc(), Person.id))
    for person in db.session.execute(stmt).scalars():
        people.setdefault(person.household_id, []).append(person)
    for household_id, *house in batch:
        for person in people.get(household_id, []):
            number, phone = pii.decrypt(person.id_number_enc) or "", pii.decrypt(person.phone_enc) or ""
            written += 1
            sheet.write_row(written, 0, (*house, person.name, person.relation,
                                         number if reveal else pii.mask_id(number), person.gender,
                                         person.birth_date.isoformat(), person.ethnicity,
                                         phone if reveal else pii.mask_phone(phone), person.residence_status,
                                         person.residence_type, "、".join(person.tag_list), person.education,
                                         person.occupation, person.political_status, person.marital_status))
    return written
