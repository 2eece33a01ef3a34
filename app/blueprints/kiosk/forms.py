"""Kiosk forms: identity details and the SMS code."""

from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from app.forms import PortalForm


class PersonForm(PortalForm):
    """A natural person: name and resident ID."""

    name = StringField("姓名", validators=[DataRequired("请输入姓名"), Length(max=64)])
    number = StringField("公民身份号码", validators=[DataRequired("请输入公民身份号码")])

    def values(self) -> dict:
        """Plain values for identification."""
        return {"name": self.name.data, "number": self.number.data}


class CompanyForm(PortalForm):
    """An organisation: credit code, legal representative's name and ID."""

    number = StringField("统一社会信用代码", validators=[DataRequired("请输入统一社会信用代码")])
    rep_name = StringField(
        "法定代表人姓名", validators=[DataRequired("请输入法定代表人姓名"), Length(max=64)]
    )
    rep_id = StringField("法定代表人身份号码", validators=[DataRequired("请输入法定代表人身份号码")])

    def values(self) -> dict:
        """Plain values for identification."""
        return {
            "name": "",
            "number": self.number.data,
            "rep_name": self.rep_name.data,
            "rep_id": self.rep_id.data,
        }


class CodeForm(PortalForm):
    """The six-digit SMS code."""

    code = StringField(
        "短信验证码",
        validators=[DataRequired("请输入验证码"), Regexp(r"^\s*\d{6}\s*$", message="验证码为 6 位数字")],
    )
