"""Report request form."""
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Regexp

from app.forms import PortalForm


class ReportForm(PortalForm):
    """Which report, for which area and month."""

    report = SelectField("报表", validators=[DataRequired("请选择报表")])
    # Not limited to the listed choices: the service answers 404 for an area outside the user's subtree.
    region_id = SelectField("统计区域", coerce=int, validate_choice=False, validators=[DataRequired("请选择区域")])
    period = StringField("统计月份", validators=[DataRequired("请选择月份"),
                                              Regexp(r"^\d{4}-\d{2}$", message="统计月份格式应为 YYYY-MM")])
