"""Pool forms: upload, conflict resolution, field mapping."""
from flask_wtf.file import FileField
from wtforms import RadioField, SelectField, StringField

from app.blueprints.pool.sources import SOURCES
from app.forms import PortalForm


class UploadForm(PortalForm):
    """A source file and which source it is."""

    source = SelectField("数据来源", choices=[(k, f"{s.label}（{s.department}）") for k, s in SOURCES.items()],
                         validate_choice=False)
    file = FileField("文件（.xlsx 或 .csv，不超过 20 MB）")


class ResolveForm(PortalForm):
    """Adopt the source value or keep the archive, with a note."""

    choice = RadioField("处理方式", choices=[("source", "采用来源数据"), ("keep", "保留现有")], validate_choice=False)
    note = StringField("处理说明")
