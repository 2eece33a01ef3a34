"""严重失信主体名单 and 红名单: entry (basis, authority, date), removal (repair, expiry, correction), and
reconciliation with a list file: differences shown for review, a difference report, applied on confirmation."""

import io
import re
from datetime import date, timedelta

import openpyxl

from app.blueprints.credit import lists
from app.clock import local_today
from app.extensions import db
from app.models import credit as C
from tests.conftest import body, login, post
from tests.credit.helpers import FOOD_USCC, subject_by_name, user

BUILD_USCC, TEA_USCC = "91330127MA2E6F7G8W", "92330127MA2H9J1K2W"
HEADER = "主体名称,主体类别,统一社会信用代码,证件号码,列入决定文书号,列入依据,认定机关,列入日期,有效期至"


def _entries(kind="serious", subject_name=None, open_only=True):
    db.session.expire_all()
    stmt = db.select(C.CreditListEntry).where(C.CreditListEntry.list_kind == kind)
    if open_only:
        stmt = stmt.where(C.CreditListEntry.removed_on.is_(None))
    if subject_name:
        stmt = stmt.where(C.CreditListEntry.subject_id == subject_by_name(subject_name).id)
    return list(db.session.execute(stmt).scalars())


def test_entry_and_removal_by_hand(demo, client):
    login(client, "credit")
    data = {"code": TEA_USCC, "doc_number": "青公信〔2026〕9号", "basis": "拒不履行消防行政处罚决定",
            "authority": "县公安局", "entered_on": "2026-11-01", "valid_until": "2029-11-01"}
    assert post(client, "/credit/lists/serious/entries", data).status_code == 303
    entry = _entries(subject_name="青禾县桃源村茶叶专业合作社")[0]
    assert (entry.basis, entry.authority) == ("拒不履行消防行政处罚决定", "县公安局")
    assert entry.entered_on == date(2026, 11, 1)
    again = post(client, "/credit/lists/serious/entries", data)
    assert again.status_code == 422 and "已在严重失信主体名单中" in body(again)
    unknown = post(client, "/credit/lists/serious/entries", dict(data, code="91330127MA2X1Y2A37"))
    assert unknown.status_code == 422 and "未登记为信用主体" in body(unknown)
    assert post(client, f"/credit/lists/entries/{entry.id}/remove",
                {"reason": "correction", "note": "认定主体有误"}).status_code == 303
    removed = db.session.get(C.CreditListEntry, entry.id)
    assert removed.removal_reason == "correction" and removed.removed_on == local_today()
    page = body(client.get("/credit/lists?kind=serious"))
    assert "更正移出" in page and "认定主体有误" in page


def test_entries_leave_by_themselves_at_expiry(demo, frozen_clock):
    chen = subject_by_name("陈志明")
    entry = lists.entries_of(chen.id, current_only=True)[0]
    assert entry.list_kind == "red" and entry.valid_until is not None
    frozen_clock.shift(entry.valid_until - local_today() + timedelta(days=1))
    assert lists.expire_due(user("credit")) >= 1
    db.session.expire_all()
    entry = db.session.get(C.CreditListEntry, entry.id)
    assert entry.removal_reason == "expiry" and entry.removed_on == entry.valid_until


def _list_file(rows: list[str]) -> io.BytesIO:
    return io.BytesIO(("\n".join([HEADER, *rows]) + "\n").encode("gbk"))


def test_reconcile_shows_differences_before_applying(demo, client):
    login(client, "credit")
    # The portal: 西岭建筑 on the list; 茶叶合作社 added by hand. The file: 西岭 with a changed basis, 食品公司 new,
    # 合作社 absent (removed upstream), one bad row.
    hand = {"code": TEA_USCC, "doc_number": "青公信〔2026〕9号", "basis": "x", "authority": "县公安局",
            "entered_on": "2026-11-01"}
    assert post(client, "/credit/lists/serious/entries", hand).status_code == 303
    build = _entries(subject_name="青禾县西岭建筑工程有限公司")[0]
    rows = [
        f"青禾县西岭建筑工程有限公司,法人及非法人组织,{BUILD_USCC},,青建信〔2026〕2号,拖欠农民工工资（经复核）,"
        f"县住房和城乡建设局,{build.entered_on:%Y/%m/%d},",
        f"青禾县清溪食品有限公司,法人及非法人组织,{FOOD_USCC},,青市监信〔2026〕1号,食品安全严重违法,"
        "县市场监督管理局,2026年11月20日,2029-11-20",
        "坏行公司,法人及非法人组织,9.1E+17,,青错〔2026〕1号,x,x,2026-11-20,",
    ]
    response = post(client, "/credit/lists/serious/reconcile", {"file": (_list_file(rows), "省名单.csv")},
                    content_type="multipart/form-data")
    assert response.status_code == 303, body(response)[:400]
    review_url = response.headers["Location"]
    page = body(client.get(review_url))
    assert "新增 1 · 移出 1 · 变更 1 · 一致 0 · 退回 1" in page
    assert "青禾县清溪食品有限公司" in page and "青公信〔2026〕9号" in page and "拖欠农民工工资（经复核）" in page
    assert "统一社会信用代码列须设置为文本格式" in page
    assert len(_entries(subject_name="青禾县桃源村茶叶专业合作社")) == 1  # nothing applied yet
    report = client.get(review_url.replace("/review?", "/review.xlsx?"))
    sheet = openpyxl.load_workbook(io.BytesIO(report.data)).active
    kinds = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(kinds) == ["变更", "新增", "移出", "退回"]

    token = re.search(r'name="token" value="([0-9a-f]+)"', page).group(1)
    sha = re.search(r'name="sha" value="([0-9a-f]+)"', page).group(1)
    forged = post(client, "/credit/lists/serious/apply", {"token": token, "name": "省名单.csv", "sha": "0" * 64})
    assert forged.status_code == 422 and "与核对时不一致" in body(forged)
    applied = post(client, "/credit/lists/serious/apply", {"token": token, "name": "省名单.csv", "sha": sha})
    assert applied.status_code == 303
    assert _entries(subject_name="青禾县桃源村茶叶专业合作社") == []
    assert _entries(subject_name="青禾县清溪食品有限公司")[0].valid_until == date(2029, 11, 20)
    assert _entries(subject_name="青禾县西岭建筑工程有限公司")[0].basis == "拖欠农民工工资（经复核）"
    assert "新增 0 · 移出 0 · 变更 0 · 一致 2 · 退回 1" in body(client.get(review_url))
