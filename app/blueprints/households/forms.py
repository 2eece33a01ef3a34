"""Household and member forms; choices come from the dictionaries and the user's grids."""
from wtforms import (BooleanField, DateField, HiddenField, SelectField, SelectMultipleField, StringField,
                     TextAreaField)
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.blueprints.households.kinship import relation_choices
from app.forms import PortalForm
from app.models.household import HOUSEHOLD_KINDS
from app.models.person import (EDUCATIONS, ETHNIC_GROUPS, MARITAL, POLITICAL, RESIDENCE_STATUSES,
                               RESIDENCE_TYPES)


def _pairs(values, blank="（未填）"):
    return [(v, v or blank) for v in values]


class TagsField(SelectMultipleField):
    """Tags as a row of checkboxes; unknown values are checked by the service, not by WTForms."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass


class HouseholdForm(PortalForm):
    """户号, grid, type, structured address, tags, notes."""

    number = StringField("户号", validators=[Length(max=32, message="户号不超过 32 个字符")])
    region_id = SelectField("所属网格", coerce=int, validate_choice=False)
    kind = SelectField("户类型", choices=_pairs(HOUSEHOLD_KINDS), validate_choice=False)
    road = StringField("路/街/组", validators=[Length(max=64, message="不超过 64 个字符")])
    door_no = StringField("门牌号", validators=[Length(max=16, message="不超过 16 个字符")])
    building = StringField("楼栋", validators=[Length(max=16, message="不超过 16 个字符")])
    unit = StringField("单元", validators=[Length(max=16, message="不超过 16 个字符")])
    room = StringField("室", validators=[Length(max=16, message="不超过 16 个字符")])
    address_extra = StringField("补充地址", validators=[Length(max=128, message="不超过 128 个字符")])
    tags = TagsField("户标签")
    notes = TextAreaField("备注", validators=[Length(max=2000, message="备注不超过 2000 字")])
    row_version = HiddenField()  # the version this form was rendered from (lost-update check)


class NewHouseholdForm(HouseholdForm):
    """A new household with its head."""

    head_name = StringField("户主姓名")
    head_id_number = StringField("户主公民身份号码")
    head_ethnicity = SelectField("户主民族", choices=_pairs(ETHNIC_GROUPS), validate_choice=False)
    head_phone = StringField("户主手机号")


class PersonForm(PortalForm):
    """A member's fields; gender and birth date must agree with the ID number."""

    id_number = StringField("公民身份号码")
    name = StringField("姓名")
    gender = SelectField("性别", choices=[("", "按身份证号"), ("男", "男"), ("女", "女")], validate_choice=False)
    birth_date = DateField("出生日期", validators=[Optional()])
    ethnicity = SelectField("民族", choices=_pairs(ETHNIC_GROUPS), validate_choice=False)
    phone = StringField("手机号")
    relation = SelectField("与户主关系", choices=relation_choices(), validate_choice=False)
    relation_confirmed = BooleanField("与户主关系和出生日期已核实")
    residence_status = SelectField("人员状态", choices=_pairs(RESIDENCE_STATUSES), validate_choice=False)
    residence_type = SelectField("居住类型", choices=_pairs(RESIDENCE_TYPES), validate_choice=False)
    tags = TagsField("人员标签")
    education = SelectField("文化程度", choices=_pairs(EDUCATIONS), validate_choice=False)
    occupation = StringField("职业", validators=[Length(max=64, message="不超过 64 个字符")])
    political_status = SelectField("政治面貌", choices=_pairs(POLITICAL), validate_choice=False)
    marital_status = SelectField("婚姻状况", choices=_pairs(MARITAL), validate_choice=False)
    override_reason = StringField("修改来源数据的原因", validators=[Length(max=128, message="不超过 128 个字符")])
    row_version = HiddenField()
    # Which fields the last ID look-up filled, so the next look-up can clear or replace every one of them.
    autofilled = HiddenField()

    def values(self) -> dict:
        """The submitted values as the service takes them."""
        return {name: field.data for name, field in self._fields.items() if name != "row_version"}


class ReasonForm(PortalForm):
    """A reason for removing or deleting."""

    reason = StringField("原因", validators=[Length(max=128, message="原因不超过 128 个字符")])


class ChangeHeadForm(PortalForm):
    """Pick the new head and what the old head becomes."""

    person_id = SelectField("新户主", coerce=int, validate_choice=False)
    old_head_relation = SelectField("原户主改为", choices=relation_choices(), validate_choice=False)


class TagForm(PortalForm):
    """A new dictionary entry."""

    scope = SelectField("类别", choices=[("household", "户标签"), ("person", "人员标签")], validate_choice=False)
    name = StringField("标签名称")
