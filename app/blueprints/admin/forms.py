"""Admin forms: users, regions, audit filters."""
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from app.forms import PortalForm

USERNAME_RULE = Regexp(r"^[A-Za-z0-9_.-]{3,64}$", message="用户名只能包含字母、数字、下划线、点和横线，3–64 位")


class UserForm(PortalForm):
    """Create a user or change role/region."""

    username = StringField("用户名", validators=[DataRequired("请输入用户名"), USERNAME_RULE])
    display_name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=64, message="姓名过长")])
    role = SelectField("角色", validators=[DataRequired("请选择角色")])
    region_id = SelectField("所属区划", coerce=int, validators=[DataRequired("请选择区划")])
    department = StringField("所属部门", validators=[Optional(), Length(max=64, message="部门名称过长")])
    row_version = HiddenField()  # the version this form was rendered from (lost-update check)


class RegionForm(PortalForm):
    """Add a child node or rename one."""

    code = StringField("区划代码", validators=[DataRequired("请输入区划代码"),
                                           Regexp(r"^[0-9]{6,20}$", message="区划代码应为 6–20 位数字")])
    name = StringField("名称", validators=[DataRequired("请输入名称"), Length(max=64, message="名称过长")])


class RenameRegionForm(PortalForm):
    """Rename a node."""

    name = StringField("名称", validators=[DataRequired("请输入名称"), Length(max=64, message="名称过长")])
    row_version = HiddenField()


class AuditFilterForm(PortalForm):
    """Filters of the audit viewer (GET)."""

    user = StringField("用户", validators=[Optional(), Length(max=64)])
    action = StringField("操作", validators=[Optional(), Length(max=64)])
    object_type = StringField("对象类型", validators=[Optional(), Length(max=64)])
    object_id = StringField("对象编号", validators=[Optional(), Length(max=64)])
    start = DateField("起始日期", validators=[Optional()])
    end = DateField("截止日期", validators=[Optional()])


class CalendarOverrideForm(PortalForm):
    """Declare one date a working day or a day off."""

    day = DateField("日期", validators=[DataRequired("请选择日期")])
    kind = SelectField("调整为", choices=[("work", "工作日（调休上班）"), ("off", "休息日")])
    note = StringField("说明", validators=[DataRequired("请填写依据，如国务院办公厅通知文号"),
                                          Length(max=128, message="说明过长")])
