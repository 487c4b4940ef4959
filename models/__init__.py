"""SQLAlchemy models, one module per aggregate; importing this package registers them all."""
from .base import db, utcnow, LabeledEnum  # noqa: F401
from .unit import Unit, UnitKind  # noqa: F401
from .user import UNIT_ROLES, Role, User  # noqa: F401
from .manager import EmploymentStatus, Manager  # noqa: F401
from .account import Account, AccountStatus, Maintenance, Platform, TeamMember, TeamRole  # noqa: F401
from .change import ChangeKind, ChangeRecord, ReviewStatus  # noqa: F401
from .report import MonthlyReport  # noqa: F401
from .violation import AccountabilityOutcome, Measure, Violation, ViolationKind  # noqa: F401
from .incident import OPEN_INCIDENT_STATES, Incident, IncidentKind, IncidentStatus  # noqa: F401
from .assessment import Assessment, Grade  # noqa: F401
from .publication import Publication, PublicationStatus, PublicationTopic, Urgency  # noqa: F401
from .audit import AuditAction, AuditLog  # noqa: F401
from .calendar import DayKind, WorkCalendar  # noqa: F401
from .attachment import Attachment, AttachmentKind  # noqa: F401
from .reminder import ReminderLog  # noqa: F401
from .setting import Setting  # noqa: F401
from .session import RevokedSession  # noqa: F401
from .cas import CasTicket  # noqa: F401
from .governance import RULES_COVERS, UnitResponsibility, UnitRules  # noqa: F401
from .data_version import DataVersion, UnitVersion  # noqa: F401
