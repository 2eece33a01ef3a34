"""The department sources of the pool, their columns, and the 一数一源 field mapping."""
from dataclasses import dataclass, field

from app.extensions import db


@dataclass(frozen=True)
class Column:
    """One column of a source file: Chinese header, payload key, whether required, and its kind."""

    header: str
    key: str
    required: bool = True
    kind: str = "text"  # text | date | gender | number
    record_key: bool = False


@dataclass(frozen=True)
class Source:
    """One department source."""

    key: str
    label: str
    department: str
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def headers(self) -> list[str]:
        """Every header a file of this source has, ID and name first."""
        return [ID_HEADER, NAME_HEADER] + [c.header for c in self.columns]


ID_HEADER, NAME_HEADER = "公民身份号码", "姓名"

SOURCES: dict[str, Source] = {s.key: s for s in (
    Source("huji", "户籍", "县公安局", (Column("性别", "gender", kind="gender"),
                                   Column("出生日期", "birth_date", kind="date"), Column("民族", "ethnicity"),
                                   Column("户籍地址", "address", required=False),
                                   Column("网格代码", "grid_code", required=False))),
    Source("hunyin", "婚姻", "县民政局", (Column("婚姻状况", "marital_status"),
                                    Column("登记日期", "registered_on", kind="date"))),
    Source("shebao", "社保", "县人社局",
           (Column("参保险种", "insurance_type"), Column("参保状态", "insurance_status"))),
    Source("canji", "残疾", "县残联", (Column("残疾类别", "disability_type"), Column("残疾等级", "disability_level"),
                                   Column("发证日期", "issued_on", required=False, kind="date"))),
    Source("cheliang", "车辆", "县公安局交警大队", (Column("号牌号码", "plate", record_key=True),
                                          Column("车辆类型", "vehicle_type", required=False))),
    Source("fangchan", "房产", "县自然资源和规划局", (Column("不动产权证号", "cert_no", record_key=True),
                                           Column("坐落", "location"),
                                           Column("建筑面积", "area", required=False, kind="number"))),
    Source("siwang", "死亡", "县卫健局", (Column("死亡日期", "death_date", kind="date"),)),
    Source("chusheng", "出生", "县卫健局", (Column("出生日期", "birth_date", kind="date"),
                                      Column("出生地", "birth_place", required=False))),
)}

# Person field → (source, payload key, label). The defaults of the mapping; FieldSource rows override the source.
FILLABLE = {
    "name": ("姓名", {"huji": "name", "chusheng": "name"}),
    "gender": ("性别", {"huji": "gender"}),
    "birth_date": ("出生日期", {"huji": "birth_date", "chusheng": "birth_date"}),
    "ethnicity": ("民族", {"huji": "ethnicity"}),
    "marital_status": ("婚姻状况", {"hunyin": "marital_status"}),
    "residence_status": ("人员状态", {"siwang": "death_date"}),
    "disability": ("残疾人标签", {"canji": "disability_type"}),
}
DEFAULT_MAPPING = {"name": "huji", "gender": "huji", "birth_date": "huji", "ethnicity": "huji",
                   "marital_status": "hunyin", "residence_status": "siwang", "disability": "canji"}


def field_sources() -> dict[str, str]:
    """The current mapping: built-in defaults overridden by the admin's FieldSource rows."""
    from app.models.source import FieldSource

    mapping = dict(DEFAULT_MAPPING)
    for row in db.session.execute(db.select(FieldSource)).scalars():
        if row.field in FILLABLE and row.source in FILLABLE[row.field][1]:
            mapping[row.field] = row.source
    return mapping


def source_label(key: str) -> str:
    """Chinese name of a source."""
    return SOURCES[key].label if key in SOURCES else key
