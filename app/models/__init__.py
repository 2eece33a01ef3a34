"""All models, imported here so Alembic and the app see one metadata."""
from app.models.audit import AuditLog
from app.models.calendar import CalendarOverride
from app.models.counter import Counter
from app.models.credit import (
    CreditListEntry,
    CreditRecord,
    CreditRecordVersion,
    CreditReport,
    CreditSubject,
    KioskDevice,
    Objection,
    OneTimeCode,
    RepairApplication,
    ScoreModel,
)
from app.models.dispatch import DeadLetter, DispatchRun, DispatchTarget, DispatchTargetVersion, OutboxEvent
from app.models.household import Household, TagDefinition
from app.models.idempotency import RequestKey
from app.models.job import Job
from app.models.move import Move, Residence
from app.models.notification import Notification, OutboundMessage
from app.models.person import Person
from app.models.region import Region
from app.models.report import ReportArchive
from app.models.source import Conflict, FieldSource, ImportBatch, SourceRecord
from app.models.ticket import (
    ExtensionRequest,
    ServiceContract,
    SlaPolicy,
    Ticket,
    TicketAttachment,
    TicketEscalation,
    TicketEvent,
    TicketPause,
    TicketSystem,
    TicketWatcher,
    Worklog,
)
from app.models.user import LoginAttempt, User
from app.models.visit import Visit, VisitCheck, VisitPolicy

__all__ = [
    "AuditLog",
    "CalendarOverride",
    "Conflict",
    "Counter",
    "CreditListEntry",
    "CreditRecord",
    "CreditRecordVersion",
    "CreditReport",
    "CreditSubject",
    "DeadLetter",
    "DispatchRun",
    "DispatchTarget",
    "DispatchTargetVersion",
    "ExtensionRequest",
    "FieldSource",
    "Household",
    "ImportBatch",
    "Job",
    "KioskDevice",
    "LoginAttempt",
    "Move",
    "Notification",
    "Objection",
    "OneTimeCode",
    "OutboundMessage",
    "OutboxEvent",
    "Person",
    "Region",
    "RepairApplication",
    "ReportArchive",
    "RequestKey",
    "Residence",
    "ScoreModel",
    "ServiceContract",
    "SlaPolicy",
    "SourceRecord",
    "TagDefinition",
    "Ticket",
    "TicketAttachment",
    "TicketEscalation",
    "TicketEvent",
    "TicketPause",
    "TicketSystem",
    "TicketWatcher",
    "User",
    "Visit",
    "VisitCheck",
    "VisitPolicy",
    "Worklog",
]
