"""Credit forms: subjects, records, objections, repairs, answers, score model, kiosk devices, reports."""

from flask_wtf.file import FileField, MultipleFileField
from wtforms import (BooleanField, DateField, DecimalField, HiddenField, IntegerField, SelectField, StringField,
                     TextAreaField)
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
        "失信等级（失信信息必选）", choices=[("", "—")] + list(C.SEVERITIES.items()), validate_choice=False
    )
    publish_necessary = BooleanField("轻微失信信息确有必要公示（最长 3 个月）")
    penalty_kind = StringField("处罚类别（行政处罚）", validators=[Optional(), Length(max=64)])
    fine_amount = DecimalField(
        "罚款金额（万元）", places=None, validators=[Optional()], render_kw={"inputmode": "decimal"}
    )
    license_valid_from = DateField("许可有效期自（行政许可）", validators=[Optional()])
    license_valid_to = DateField("许可有效期至（行政许可）", validators=[Optional()])
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
                "publish_necessary",
                "penalty_kind",
                "fine_amount",
                "license_valid_from",
                "license_valid_to",
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
    """Apply for credit repair of one 失信 record: signed commitment and proof of fulfilled duties."""

    commitment = TextAreaField("信用承诺书", validators=[Optional(), Length(max=2000, message="内容过长")])
    accept_commitment = BooleanField("本人（本单位）已阅读并签署上述信用承诺，同意向社会公开")
    commitment_file = MultipleFileField("或上传签字（盖章）的承诺书（PDF/JPG/PNG）")
    fulfilment_note = TextAreaField(
        "履行法定责任和义务情况", validators=[Optional(), Length(max=2000, message="内容过长")]
    )
    phone = StringField("联系手机（默认预留号码）", validators=[Optional()])
    attachments = MultipleFileField("履行义务证明材料（必交，PDF/JPG/PNG）")


class AnswerForm(RecordForm):
    """The department's answer; the record fields are used only for 更正."""

    outcome = SelectField("处理结论", choices=list(C.OBJECTION_OUTCOMES.items()))
    answer = TextAreaField("答复意见", validators=[DataRequired("请填写答复意见")])


class RepairMoveForm(PortalForm):
    """One step of a repair application; the reason is required where the step says so."""

    answer = TextAreaField("意见（不予受理、不予修复时必填）", validators=[Optional(), Length(max=2000)])


class RevokeForm(PortalForm):
    """Revoke a report."""

    reason = StringField("撤销原因", validators=[DataRequired("请填写撤销原因"), Length(max=255)])


class DeviceForm(PortalForm):
    """Register a kiosk device."""

    name = StringField("终端名称", validators=[DataRequired("请输入终端名称"), Length(max=64)])
    location = StringField("安放位置", validators=[Optional(), Length(max=128)])
    account_id = SelectField("使用账号（自助终端角色）", coerce=int)


def score_model_form(config: dict, formdata=None, parameters=PARAMETERS):
    """A form with one integer field per model parameter, filled from a config."""

    class ScoreModelForm(PortalForm):
        note = StringField("变更说明", validators=[DataRequired("请填写变更说明"), Length(max=255)])

    for key, label, low, high in parameters:
        setattr(
            ScoreModelForm,
            key,
            IntegerField(
                label,
                validators=[DataRequired(f"请输入{label}") if low else Optional()],
                default=config.get(key, 0),
            ),
        )
    return ScoreModelForm(formdata=formdata) if formdata is not None else ScoreModelForm()


class ImportForm(PortalForm):
    """A 双公示 file in the national template."""

    category = SelectField("数据类别", choices=[("penalty", "行政处罚"), ("license", "行政许可")])
    file = FileField("XLSX 或 CSV 文件（UTF-8、带 BOM 或 GBK 编码均可）")


class ListEntryForm(PortalForm):
    """Put a subject on a named list by its credit code or ID number."""

    code = StringField(
        "统一社会信用代码或公民身份号码", validators=[DataRequired("请输入统一社会信用代码或公民身份号码")]
    )
    doc_number = StringField("列入决定文书号", validators=[Optional(), Length(max=64)])
    basis = TextAreaField("列入依据", validators=[DataRequired("请填写列入依据"), Length(max=2000)])
    authority = StringField("认定机关", validators=[DataRequired("请填写认定机关"), Length(max=128)])
    entered_on = DateField("列入日期", validators=[DataRequired("请填写列入日期")])
    valid_until = DateField("有效期至（可不填）", validators=[Optional()])


class ListRemoveForm(PortalForm):
    """Take a subject off a list."""

    reason = SelectField("移出原因", choices=list(C.REMOVAL_REASONS.items()))
    note = StringField("说明", validators=[Optional(), Length(max=500)])


class ListFileForm(PortalForm):
    """A list file from 信用中国 or the province, for reconciliation."""

    file = FileField("名单文件（XLSX 或 CSV）")
