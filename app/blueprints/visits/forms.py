"""Forms of the visit area."""
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField, \
    TimeField
from wtforms.validators import Optional

from app.forms import PortalForm
from app.models.visit import CHECK_ITEMS, CHECK_STATUSES, VISIT_KINDS


class VisitForm(PortalForm):
    """The visit form: small enough for a slow phone connection (checklist as one select per item)."""

    visited_on = DateField("走访日期", validators=[Optional()])
    visited_time = TimeField("时间", validators=[Optional()])
    kind = SelectField("走访类型", choices=[(k, k) for k in VISIT_KINDS])
    participants = StringField("见面人员")
    findings = TextAreaField("走访情况")
    follow_up = BooleanField("需要跟进")
    row_version = HiddenField()  # the version this form was rendered from (lost-update check)
    follow_up_due = DateField("跟进期限", validators=[Optional()])

    def checklist(self) -> dict:
        """{item: (status, note)} of the answered items."""
        return {item: (self[f"c{i}"].data or "", self[f"n{i}"].data or "") for i, item in enumerate(CHECK_ITEMS)}

    def check_fields(self):
        """(item, status field, note field) in dictionary order."""
        return [(item, self[f"c{i}"], self[f"n{i}"]) for i, item in enumerate(CHECK_ITEMS)]

    def values(self) -> dict:
        """What the service takes."""
        return {"visited_on": self.visited_on.data, "visited_time": self.visited_time.data, "kind": self.kind.data,
                "participants": self.participants.data, "findings": self.findings.data,
                "follow_up": self.follow_up.data, "follow_up_due": self.follow_up_due.data,
                "checklist": self.checklist()}


for _i, _item in enumerate(CHECK_ITEMS):
    setattr(VisitForm, f"c{_i}", SelectField(_item, choices=[("", "—")] + [(s, s) for s in CHECK_STATUSES],
                                             validate_choice=False))
    setattr(VisitForm, f"n{_i}", StringField(f"{_item}说明"))


class PolicyForm(PortalForm):
    """Interval for one household tag."""

    tag = SelectField("户标签", validate_choice=False)
    interval_days = IntegerField("走访周期（天）", validators=[Optional()])
