"""Credit forms: subjects, records, objections, repairs, answers, score model, kiosk devices, reports."""

from flask_wtf.file import FileField, MultipleFileField
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from app.blueprints.credit.scoring import PARAMETERS
from app.forms import PortalForm
from app.models import credit as C


class SubjectForm(PortalForm):
    """Register a person or an organisation."""

    kind = SelectField("主体类型", choices=list(C.SUBJECT_KINDS.items()))
    name = StringField(
        "姓名/名称", validators=[DataRequired("请输入姓名或名称"), Length(max=128, message="名称过长")]
    )
    id_number = StringField("公民身份号码（自然人）", validators=[Optional()])
    uscc = StringField("统一社会信用代码（组织）", validators=[Optional()])
    legal_rep_name = StringField("法定代表人（组织）", validators=[Optional(), Length(max=64)])
    legal_rep_id = StringField("法定代表人身份号码（组织）", validators=[Optional()])
    phone = StringField("预留手机号", validators=[Optional()])
    address = StringField("地址", validators=[Optional(), Length(max=255, message="地址过长")])
    region_id = SelectField("所属区划", coerce=int)


class RecordForm(PortalForm):
    """Publish or correct a credit record."""

    category = SelectField("类别", choices=list(C.CATEGORIES.items()))
    severity = SelectField(
        "严重程度（行政处罚）", choices=[("", "—")] + list(C.SEVERITIES.items()), validate_choice=False
    )
    fulfilment = SelectField(
        "履约状态（信用承诺）", choices=[("", "—")] + list(C.FULFILMENTS.items()), validate_choice=False
    )
    doc_number = StringField(
        "决定书文号", validators=[DataRequired("请输入决定书文号"), Length(max=64, message="文号过长")]
    )
    department = StringField("来源部门", validators=[Optional(), Length(max=64)])
    decision_date = DateField("决定日期", validators=[DataRequired("请输入决定日期")])
    content = TextAreaField("内容", validators=[DataRequired("请输入记录内容")])
    legal_basis = TextAreaField("依据", validators=[Optional()])
    pub_start = DateField("公示起始日（默认决定日期）", validators=[Optional()])
    pub_end = DateField("公示截止日（默认按类别）", validators=[Optional()])
    row_version = HiddenField()  # the record version a correction form was rendered from (lost-update check)

    def values(self) -> dict:
        """Plain values for the service."""
        return {
            name: getattr(self, name).data
            for name in (
                "category",
                "severity",
                "fulfilment",
                "doc_number",
                "department",
                "decision_date",
                "content",
                "legal_basis",
                "pub_start",
                "pub_end",
            )
        }


class ObjectionForm(PortalForm):
    """File an objection against one record."""

    reason = TextAreaField(
        "异议理由", validators=[DataRequired("请填写异议理由"), Length(max=2000, message="理由过长")]
    )
    phone = StringField("联系手机（默认预留号码）", validators=[Optional()])
    attachments = MultipleFileField("附件（PDF/JPG/PNG，每个不超过 5 MB）")


class RepairForm(PortalForm):
    """Apply for credit repair of one penalty record."""

    commitment = TextAreaField(
        "信用承诺", validators=[DataRequired("请填写信用承诺"), Length(max=2000, message="内容过长")]
    )
    phone = StringField("联系手机（默认预留号码）", validators=[Optional()])
    attachments = MultipleFileField("整改证明材料（PDF/JPG/PNG）")


class AnswerForm(RecordForm):
    """The department's answer; the record fields are used only for 更正."""

    outcome = SelectField("处理结论", choices=list(C.OBJECTION_OUTCOMES.items()))
    answer = TextAreaField("答复意见", validators=[DataRequired("请填写答复意见")])


class DecisionForm(PortalForm):
    """Approve or reject a repair application."""

    decision = SelectField("审核结论", choices=[("approve", "通过（终止公示）"), ("reject", "驳回")])
    answer = TextAreaField("审核意见（驳回必填）", validators=[Optional(), Length(max=2000)])


class RevokeForm(PortalForm):
    """Revoke a report."""

    reason = StringField("撤销原因", validators=[DataRequired("请填写撤销原因"), Length(max=255)])


class DeviceForm(PortalForm):
    """Register a kiosk device."""

    name = StringField("终端名称", validators=[DataRequired("请输入终端名称"), Length(max=64)])
    location = StringField("安放位置", validators=[Optional(), Length(max=128)])
    account_id = SelectField("使用账号（自助终端角色）", coerce=int)


def score_model_form(config: dict, formdata=None):
    """A form with one integer field per model parameter, filled from a config."""

    class ScoreModelForm(PortalForm):
        note = StringField("变更说明", validators=[DataRequired("请填写变更说明"), Length(max=255)])

    for key, label, low, high in PARAMETERS:
        setattr(
            ScoreModelForm,
            key,
            IntegerField(
                label,
                validators=[DataRequired(f"请输入{label}") if low else Optional()],
                default=config.get(key),
            ),
        )
    return ScoreModelForm(formdata=formdata) if formdata is not None else ScoreModelForm()


class ImportForm(PortalForm):
    """An XLSX workbook of records."""

    file = FileField("XLSX 或 CSV 文件")
