"""Readable names of audited objects (户号, 工单号, 用户名…), one query per object type shown on a page."""
from app.extensions import db
from app.models import credit as C
from app.models.dispatch import DispatchTarget
from app.models.household import Household, TagDefinition
from app.models.job import Job
from app.models.move import Move
from app.models.person import Person
from app.models.region import Region
from app.models.report import ReportArchive
from app.models.source import ImportBatch
from app.models.ticket import Ticket, TicketSystem
from app.models.user import User

# object_type -> (model, column giving its name, whether the name is a person's and is shown masked)
NAMED = {
    "user_account": (User, User.display_name, False), "region": (Region, Region.name, False),
    "job": (Job, Job.title, False), "household": (Household, Household.number, False),
    "person": (Person, Person.name, True), "tag_definition": (TagDefinition, TagDefinition.name, False),
    "import_batch": (ImportBatch, ImportBatch.filename, False), "move": (Move, Move.person_name, True),
    "report_archive": (ReportArchive, ReportArchive.filename, False),
    "credit_subject": (C.CreditSubject, C.CreditSubject.name, True),
    "credit_record": (C.CreditRecord, C.CreditRecord.doc_number, False),
    "credit_report": (C.CreditReport, C.CreditReport.number, False),
    "kiosk_device": (C.KioskDevice, C.KioskDevice.name, False),
    "dispatch_target": (DispatchTarget, DispatchTarget.name, False), "ticket": (Ticket, Ticket.number, False),
    "ticket_system": (TicketSystem, TicketSystem.name, False),
}


def masked_name(name: str) -> str:
    """张* / 欧阳** style: a resident's name in the log identifies without spelling it out."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def object_names(rows) -> dict[tuple[str, str], str]:
    """(object_type, object_id) -> name for the given audit rows."""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if row.object_type in NAMED and row.object_id:
            wanted.setdefault(row.object_type, set()).add(str(row.object_id))
    names = {}
    for object_type, ids in wanted.items():
        model, column, personal = NAMED[object_type]
        keys = ids if model is Job else {int(i) for i in ids if i.isdigit()}
        for object_id, name in db.session.execute(db.select(model.id, column).where(model.id.in_(keys))):
            names[object_type, str(object_id)] = masked_name(name) if personal else (name or "")
    return names
