"""Forms of the move area."""
from wtforms import BooleanField, DateField, SelectField, SelectMultipleField, StringField
from wtforms.validators import Optional

from app.forms import PortalForm
from app.models.household import HOUSEHOLD_KINDS
from app.blueprints.households.kinship import relation_choices
from app.models.person import ETHNIC_GROUPS


def _coerce_id(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class _MoveForm(PortalForm):
    event_date = DateField("发生日期", validators=[Optional()])
    reason = StringField("原因/说明")
    new_head_id = SelectField("原户新户主", coerce=_coerce_id, validate_choice=False)


class MoveOutForm(_MoveForm):
    """迁出 to outside the county."""

    place = StringField("迁往地（县外）")


class DeathForm(_MoveForm):
    """死亡注销."""

    death_source = SelectField("信息来源", validate_choice=False)


class TransferForm(_MoveForm):
    """县内迁移: to a household of the user's area at once, or to another community (pending)."""

    to_region_id = SelectField("迁入社区/村", coerce=_coerce_id, validate_choice=False)
    to_household_number = StringField("迁入户号（本辖区内必填）")
    relation = SelectField("与新户户主关系", choices=relation_choices())
    relation_confirmed = BooleanField("与户主关系和出生日期已核实")


class MoveInForm(PortalForm):
    """迁入 from outside the county."""

    id_number = StringField("公民身份号码")
    name = StringField("姓名")
    ethnicity = SelectField("民族", choices=[(e, e) for e in ETHNIC_GROUPS])
    phone = StringField("手机号")
    relation = SelectField("与户主关系", choices=relation_choices(with_head=True))
    relation_confirmed = BooleanField("与户主关系和出生日期已核实")
    place = StringField("迁出地（原住址）")
    event_date = DateField("迁入日期", validators=[Optional()])
    reason = StringField("原因/说明")


class _NewHouseholdFields(PortalForm):
    number = StringField("新户号")
    region_id = SelectField("网格", coerce=_coerce_id, validate_choice=False)
    road = StringField("地址（路/街/组、门牌）")
    kind = SelectField("户类型", choices=[(k, k) for k in HOUSEHOLD_KINDS])


class SplitForm(_NewHouseholdFields):
    """分户: chosen members form a new household."""

    member_ids = SelectMultipleField("分出成员", coerce=int, validate_choice=False)
    head_id = SelectField("新户户主", coerce=_coerce_id, validate_choice=False)
    new_head_id = SelectField("原户新户主（户主分出时）", coerce=_coerce_id, validate_choice=False)
    event_date = DateField("分户日期", validators=[Optional()])
    reason = StringField("原因/说明")


class AcceptForm(_NewHouseholdFields):
    """Accepting a pending move into an existing or a new household."""

    new_household = BooleanField("新建户")
    to_household_number = StringField("迁入户号")
    relation = SelectField("与户主关系", choices=relation_choices())
    relation_confirmed = BooleanField("与户主关系和出生日期已核实")


class RejectForm(PortalForm):
    """Rejecting a pending move."""

    reject_reason = StringField("拒绝原因")
