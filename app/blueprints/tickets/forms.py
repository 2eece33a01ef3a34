"""Ticket forms. None of them carries a timestamp: the server's clock rules."""
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField, \
    TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from app.forms import PortalForm
from app.models.ticket import CALENDARS, CATEGORIES, SEVERITIES


class TicketForm(PortalForm):
    """报障: file a ticket."""

    title = StringField("标题", validators=[DataRequired("请填写标题"), Length(max=128, message="标题不超过 128 字")])
    category = SelectField("类别", choices=[(c, c) for c in CATEGORIES])
    severity = SelectField("级别", choices=list(SEVERITIES.items()), default="P2")
    system_id = SelectField("受影响系统", coerce=int, validators=[DataRequired("请选择受影响的系统")])
    module = StringField("模块", validators=[Optional(), Length(max=64, message="模块名称过长")])
    description = TextAreaField("问题描述", validators=[DataRequired("请描述问题现象"),
                                                     Length(max=10000, message="描述不超过 10000 字")])
    external_ref = StringField("外部单号", validators=[Optional(), Length(max=64, message="外部单号过长")])
    source_page = HiddenField()
    attachments = MultipleFileField("附件")


class TransitionForm(PortalForm):
    """A state change with its comment."""

    action = HiddenField(validators=[DataRequired()])
    comment = TextAreaField("说明", validators=[Optional(), Length(max=4000, message="说明不超过 4000 字")])
    internal = BooleanField("仅运维可见")
    breach_reason = TextAreaField("超时原因", validators=[Optional(), Length(max=2000)])


class CommentForm(PortalForm):
    """A timeline comment."""

    comment = TextAreaField("评论", validators=[DataRequired("请填写评论内容"),
                                              Length(max=4000, message="评论不超过 4000 字")])
    internal = BooleanField("内部备注（仅运维可见）")


class AssignForm(PortalForm):
    """Give the ticket to an engineer."""

    assignee_id = SelectField("处理人", coerce=int, validators=[DataRequired("请选择处理人")])
    team = StringField("班组", validators=[Optional(), Length(max=64)])


class SlaChangeForm(PortalForm):
    """Change severity or affected system."""

    severity = SelectField("级别", choices=list(SEVERITIES.items()))
    system_id = SelectField("受影响系统", coerce=int)


class ExtensionForm(PortalForm):
    """Ask for more time (in hours, never a client timestamp)."""

    hours = DecimalField("延期（小时）", places=1, validators=[DataRequired("请填写延期时长"),
                                                          NumberRange(0.1, 720, "延期时长应为 0.1–720 小时")])
    reason = TextAreaField("原因", validators=[DataRequired("请填写延期原因"), Length(max=2000)])


class DecisionForm(PortalForm):
    """A supervisor's decision on an extension request."""

    decision = SelectField("审批结果", choices=[("approve", "批准"), ("other", "批准（调整时长）"), ("deny", "驳回")])
    hours = DecimalField("批准时长（小时）", places=1,
                         validators=[Optional(), NumberRange(0.1, 720, "时长应为 0.1–720 小时")])
    note = TextAreaField("意见", validators=[Optional(), Length(max=2000)])


class WorklogForm(PortalForm):
    """Hours on a ticket."""

    work_date = DateField("日期", validators=[DataRequired("请选择日期")])
    hours = DecimalField("工时（小时）", places=2, validators=[DataRequired("请填写工时"),
                                                         NumberRange(0.01, 24, "工时应大于 0 且不超过 24 小时")])
    note = StringField("内容", validators=[Optional(), Length(max=1000)])


class BulkAssignForm(PortalForm):
    """Reassign the ticked tickets."""

    assignee_id = SelectField("改派给", coerce=int, validators=[DataRequired("请选择处理人")])


class PolicyForm(PortalForm):
    """Edit one SLA policy."""

    response_minutes = IntegerField("响应时限（分钟）", validators=[DataRequired("请填写响应时限")])
    resolution_minutes = IntegerField("解决时限（分钟）", validators=[DataRequired("请填写解决时限")])
    onsite_minutes = IntegerField("到场时限（分钟，可空）", validators=[Optional()])
    calendar = SelectField("日历", choices=list(CALENDARS.items()))
    business_start = StringField("上班时间", validators=[DataRequired("请填写上班时间")])
    business_end = StringField("下班时间", validators=[DataRequired("请填写下班时间")])


class ContractForm(PortalForm):
    """A new service contract."""

    code = StringField("合同编号", validators=[DataRequired("请填写合同编号"), Length(max=32, message="编号过长")])
    name = StringField("合同名称", validators=[DataRequired("请填写合同名称"), Length(max=128, message="名称过长")])
    vendor = StringField("服务商", validators=[Optional(), Length(max=128)])
    hours_per_person_day = DecimalField("每人天工时", default=8, validators=[DataRequired("请填写每人天工时")])


class SystemForm(PortalForm):
    """A new affected system."""

    code = StringField("系统编号", validators=[DataRequired("请填写系统编号"), Length(max=32, message="编号过长")])
    name = StringField("系统名称", validators=[DataRequired("请填写系统名称"), Length(max=128, message="名称过长")])
    contract_id = SelectField("服务合同", coerce=int, validators=[DataRequired("请选择服务合同")])
