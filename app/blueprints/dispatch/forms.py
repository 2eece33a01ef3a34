"""Dispatch target form."""
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.forms import PortalForm


class TargetForm(PortalForm):
    """A target's definition; saving it makes a draft that another admin approves."""

    name = StringField("名称", validators=[DataRequired("请输入名称"), Length(max=64, message="名称过长")])
    department = StringField("接收部门", validators=[DataRequired("请输入接收部门"), Length(max=64)])
    kind = SelectField("方式", choices=[("webhook", "HTTP JSON 推送（HMAC 签名）"), ("csv", "CSV 文件投递")])
    url = StringField("推送地址", validators=[Optional(), Length(max=512)])
    secret = StringField("签名密钥", validators=[Optional(), Length(min=16, max=128, message="密钥 16–128 位")])
    folder = StringField("投递子目录", validators=[Optional(), Length(max=255)])
    region_id = SelectField("区域范围", coerce=int)
    event_types = SelectMultipleField("事件类型（不选为全部）", widget=ListWidget(prefix_label=False),
                                      option_widget=CheckboxInput())
    mapping = TextAreaField("字段映射（每行：输出字段=来源字段，留空为原样发送）",
                            validators=[Optional(), Length(max=4000)])
    batch_size = IntegerField("每批条数", default=100,
                              validators=[NumberRange(1, 1000, message="每批 1–1000 条")])
    max_failures = IntegerField("连续失败几次告警", default=5,
                                validators=[NumberRange(1, 20, message="1–20 次")])
    note = StringField("变更说明", validators=[Optional(), Length(max=255)])
    row_version = HiddenField()  # the target version this form was rendered from (lost-update check)
