"""The one access policy (SPEC, Roles; 第四条, 第九条).

Every admin view, ajax loader, drop-down, action, export, printable form and service function
asks this module. Scoping is a security boundary: a unit user never reaches another unit's row.
It needs only the models, so that services, admin views and blueprints all stand above it; a refusal
is :class:`NotAllowed`, which the app turns into a 403 (or a 404 for a record the user may not know of).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask_login import current_user as _CURRENT_USER
from werkzeug.local import LocalProxy

from models import (
    Account,
    AccountStatus,
    Assessment,
    Attachment,
    AuditLog,
    ChangeRecord,
    Incident,
    IncidentStatus,
    Manager,
    MonthlyReport,
    Publication,
    PublicationStatus,
    ReviewStatus,
    Role,
    Setting,
    TeamMember,
    Unit,
    UnitResponsibility,
    UnitRules,
    User,
    UNIT_ROLES,
    Violation,
    WorkCalendar,
    db,
)
from models.base import MAX_ID, to_id
from models.context import signed_in_user
from models.workflow import STEPS
ALL_ROLES = frozenset(Role)
DEPT = frozenset({Role.dept_admin})

#: Who may read, and who may write, each kind of record (rows are then scoped by unit).
READERS = {
    Unit: frozenset({Role.dept_admin, Role.auditor}),
    User: frozenset({Role.dept_admin, Role.auditor}),
    WorkCalendar: ALL_ROLES,
    AuditLog: ALL_ROLES,
    Account: ALL_ROLES,
    TeamMember: ALL_ROLES,
    Manager: ALL_ROLES,
    ChangeRecord: ALL_ROLES,
    MonthlyReport: ALL_ROLES,
    Violation: ALL_ROLES,
    Incident: ALL_ROLES,
    Assessment: ALL_ROLES,
    Attachment: ALL_ROLES,
    Publication: ALL_ROLES,
    Setting: frozenset({Role.dept_admin, Role.auditor}),  # 系统设置: the auditor reads them
    UnitResponsibility: ALL_ROLES,  # 第一责任人、责任领导 (第九条, 第十条): each unit its own
    UnitRules: ALL_ROLES,  # 新媒体管理制度 (第十条, 第十九条)
}
WRITERS = {
    Unit: DEPT,
    User: DEPT,
    WorkCalendar: DEPT,
    AuditLog: frozenset(),
    Account: UNIT_ROLES | DEPT,
    TeamMember: UNIT_ROLES | DEPT,
    Manager: UNIT_ROLES | DEPT,
    ChangeRecord: UNIT_ROLES | DEPT,
    MonthlyReport: UNIT_ROLES | DEPT,
    Violation: UNIT_ROLES | DEPT,  # units only record their rectification (see admin/violations.py)
    Incident: UNIT_ROLES | DEPT,  # 第十四条: the unit records and handles; the department accepts or escalates
    Assessment: DEPT,
    Attachment: UNIT_ROLES | DEPT,
    Publication: UNIT_ROLES | DEPT,
    Setting: DEPT,
    UnitResponsibility: UNIT_ROLES | DEPT,
    UnitRules: UNIT_ROLES | DEPT,
}
#: Who may create records, where it differs from who may write them.
CREATORS = {**WRITERS, Violation: DEPT}

#: States in which a unit user may still edit or delete a record: before it went to the department.
UNIT_EDITABLE = {
    Account: {AccountStatus.draft, AccountStatus.returned},
    ChangeRecord: {ReviewStatus.draft, ReviewStatus.returned},
    MonthlyReport: {ReviewStatus.draft, ReviewStatus.returned},
    Incident: {IncidentStatus.draft, IncidentStatus.returned},
    Publication: {PublicationStatus.draft, PublicationStatus.returned},
}
#: States in which anyone edits a 发布报批: with the unit, or the department's own finding (a request on its way
#: or decided keeps the text that was reviewed; the department edits the text when it authorises).
PUBLICATION_EDITABLE = {PublicationStatus.draft, PublicationStatus.returned, PublicationStatus.unrequested}
#: Records that may be deleted at all, and in which states: nothing the rules need later goes.
DELETABLE = {
    Account: {AccountStatus.draft},
    ChangeRecord: {ReviewStatus.draft},
    MonthlyReport: {ReviewStatus.draft},
    Publication: {PublicationStatus.draft},
    Manager: None,  # any state; the database refuses if the person is still on a team
    Attachment: None,
    WorkCalendar: None,
    Violation: None,
}

#: Who may delete records at all (each record is then checked by can_delete).
DELETERS = {model: roles for model, roles in WRITERS.items() if model in DELETABLE} | {Violation: DEPT}


def _role(user) -> Role | None:
    # current_user is a context-local proxy: resolved once here (from the request's context, models/context.py)
    # rather than on each of the three reads below.
    if isinstance(user, LocalProxy):
        user = signed_in_user() if user is _CURRENT_USER else user._get_current_object()
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return user.role


def role_of(user) -> Role | None:
    """The user's role, or None for the anonymous and the deactivated."""
    return _role(user)


def sees_all_units(user) -> bool:
    return _role(user) in (Role.dept_admin, Role.auditor)


def unit_column(model):
    """The column that says which unit owns a row of ``model``."""
    if model is Unit:
        return Unit.id
    if model is TeamMember:
        return None  # scoped through its account
    return model.unit_id


def scope_key(user) -> tuple:
    """What decides which rows :func:`scope` lets ``user`` see: the role and, for unit users, the unit
    (cached files are shared only between users who see the same rows)."""
    role = _role(user)
    return (role.name if role else None, None if role in (Role.dept_admin, Role.auditor) else getattr(user, "unit_id", None))


def scope(user, model, query):
    """Restrict ``query`` over ``model`` to the rows ``user`` may see (nothing for the anonymous)."""
    role = _role(user)
    if role is None or role not in READERS.get(model, frozenset()):
        return query.filter(sa.false())
    if role in (Role.dept_admin, Role.auditor) or model is WorkCalendar:
        return query
    if model is TeamMember:
        return query.filter(TeamMember.account.has(Account.unit_id == user.unit_id))
    if model is AuditLog:
        return query.filter(AuditLog.unit_id == user.unit_id)
    return query.filter(unit_column(model) == user.unit_id)


def scope_units(user, query):
    """Restrict a query over ``Unit`` to the units whose own new-media rules and responsible persons the user sees
    (第九条, 第十条): every unit for the department and the auditor, a unit user's own unit, else none."""
    role = _role(user)
    if role in (Role.dept_admin, Role.auditor):
        return query
    if role in UNIT_ROLES:
        return query.filter(Unit.id == user.unit_id)
    return query.filter(sa.false())


def scope_names(user, model, query):
    """Restrict ``query`` over ``model`` to the rows whose name ``user`` may read where a record's history
    refers to them: what :func:`scope` lets them see, and for a unit user also their own unit and its
    users (another unit's rows stay numbers)."""
    if sees_all_units(user) or _role(user) is None:
        return scope(user, model, query)
    if model is Unit:
        return query.filter(Unit.id == user.unit_id)
    if model is User:
        return query.filter(User.unit_id == user.unit_id)
    return scope(user, model, query)


def can_read(user, model) -> bool:
    return _role(user) in READERS.get(model, frozenset())


def can_write(user, model) -> bool:
    return _role(user) in WRITERS.get(model, frozenset())


def owns(user, obj) -> bool:
    """Whether ``obj`` is inside the user's scope (department roles see every unit)."""
    if isinstance(user, LocalProxy):
        user = signed_in_user() if user is _CURRENT_USER else user._get_current_object()
    return _owns(_role(user), user, obj)


def _owns(role, user, obj) -> bool:
    """:func:`owns` with the user's role already resolved (a list asks it for every row)."""
    if role not in READERS.get(type(obj), frozenset()):
        return False
    if role in (Role.dept_admin, Role.auditor) or isinstance(obj, WorkCalendar):
        return True
    if isinstance(obj, User):
        return False
    return obj.audit_unit_id is not None and obj.audit_unit_id == user.unit_id


def is_department(user) -> bool:
    """The department's own tools: the inventory import, the roster sync, the bulk changes of accounts."""
    return _role(user) in DEPT


def can_remind(user) -> bool:
    """Reminding the units that have not reported (the missing-reports list) is the department's."""
    return _role(user) in DEPT


def may_delete_some(user, model) -> bool:
    """Whether a delete button is offered at all on ``model``'s screens."""
    return _role(user) in DELETERS.get(model, frozenset())


def can_create(user, model) -> bool:
    return _role(user) in CREATORS.get(model, frozenset())


def can_edit(user, obj) -> bool:
    if isinstance(user, LocalProxy):
        user = signed_in_user() if user is _CURRENT_USER else user._get_current_object()
    return _can_edit(_role(user), user, obj)


def row_checks(user):
    """(edit, delete): :func:`can_edit` and :func:`can_delete` of ``user`` as functions of a record, with the user's
    role resolved once — a list asks both for each of its rows. The same rules (the same functions below)."""
    if isinstance(user, LocalProxy):
        user = signed_in_user() if user is _CURRENT_USER else user._get_current_object()
    role = _role(user)

    def edit(obj) -> bool:
        return _can_edit(role, user, obj)

    def delete(obj, editable: bool | None = None) -> bool:
        return _can_delete(role, user, obj, editable)

    return edit, delete


def _can_edit(role, user, obj) -> bool:
    """:func:`can_edit` with the user's role already resolved."""
    if role not in WRITERS.get(type(obj), frozenset()) or not _owns(role, user, obj):
        return False
    if role in UNIT_ROLES and type(obj) in UNIT_EDITABLE:
        return obj.status in UNIT_EDITABLE[type(obj)]
    if isinstance(obj, Attachment) and role in UNIT_ROLES:
        # A unit removes a scan only while its record is still with the unit.
        owner = obj.account or obj.change or obj.report or obj.incident or obj.violation or obj.publication
        return owner is not None and type(owner) in UNIT_EDITABLE and owner.status in UNIT_EDITABLE[type(owner)]
    if isinstance(obj, Account) and obj.status == AccountStatus.closed:
        return False  # a closed account keeps its history as it was
    if isinstance(obj, Incident) and obj.status in (IncidentStatus.handled, IncidentStatus.escalated):
        # accepted as handled, or carried on by its violation record: only the steps change it now
        return False
    if isinstance(obj, Publication):
        return obj.status in PUBLICATION_EDITABLE
    return True


def can_attach(user, owner) -> bool:
    """Whether ``user`` may add a file to ``owner``: a record in their scope; an incident's screenshots while
    it may be edited; a violation's 问责 decision document only by the department (第十七条)."""
    if not (can_write(user, Attachment) and owns(user, owner)):
        return False
    if isinstance(owner, Violation):
        return _role(user) in DEPT
    if isinstance(owner, Incident):
        return can_edit(user, owner)
    return True


def can_delete(user, obj, editable: bool | None = None) -> bool:
    """``editable``: :func:`can_edit` of the same user and record, when the caller has just asked it (a list row)."""
    if isinstance(user, LocalProxy):
        user = signed_in_user() if user is _CURRENT_USER else user._get_current_object()
    return _can_delete(_role(user), user, obj, editable)


def _can_delete(role, user, obj, editable: bool | None) -> bool:
    """:func:`can_delete` with the user's role already resolved."""
    model = type(obj)
    if model not in DELETABLE or not (_can_edit(role, user, obj) if editable is None else editable):
        return False
    if model is Violation and role not in DEPT:
        return False
    states = DELETABLE[model]
    return states is None or obj.status in states


#: Fields of a record that only the department sets; a unit user's forms do not have them (a forged POST
#: cannot set them either). ``None`` in place of a set: a unit user may set only the fields in UNIT_ONLY_FIELDS.
DEPARTMENT_FIELDS = {
    Account: {"unit", "in_matrix"},  # publishing in the matrix is the department's decision (第五条)
    MonthlyReport: {"unit", "classified_handling"},  # the handling of a 涉密 report is recorded by the department (第十一条)
    # A unit records its publication on the request's page (services/publications.record_publication), never by
    # editing the request; the department records on its form a publication it found without any request.
    Publication: {"unit", "published_url", "published_at"},
    Violation: None,
}
#: What a unit user may write on a record otherwise the department's: the rectification of a violation (整改).
UNIT_ONLY_FIELDS = {Violation: {"rectification"}}


class NotAllowed(Exception):
    """The one refusal of the access policy. ``code`` is 403, or 404 when the user may not even learn that
    the record exists (a foreign or malformed id); ``message`` says why, in words for the user."""

    def __init__(self, message=None, *, not_found: bool = False):
        self.message = str(message) if message else None
        self.code = 404 if not_found else 403
        super().__init__(self.message or ("not found" if not_found else "not allowed"))

    def __str__(self) -> str:
        return self.message or ""


def require(allowed: bool, message=None) -> None:
    """Refuse (403) unless ``allowed``: forged requests for steps or screens the user may not use."""
    if not allowed:
        raise NotAllowed(message)


def get_visible(user, model, row_id, query=None, max_id: int = MAX_ID):
    """The row of ``model`` with the id ``row_id`` if ``user`` may see it, else None (also for a malformed
    id). ``query`` adds loader options or filters of the caller; it is scoped here all the same."""
    pk = to_id(row_id, max_id)
    if pk is None:
        return None
    query = scope(user, model, db.session.query(model) if query is None else query)
    return query.filter(sa.inspect(model).primary_key[0] == pk).one_or_none()


def get_or_404(user, model, row_id, query=None, max_id: int = MAX_ID):
    """:func:`get_visible`, refusing with a 404 (NotAllowed) where it finds nothing: a foreign, missing or
    malformed id reveals nothing."""
    row = get_visible(user, model, row_id, query, max_id)
    if row is None:
        raise NotAllowed(not_found=True)
    return row


def writable_fields(user, model, names) -> list[str]:
    """The form fields among ``names`` that ``user`` may set on a record of ``model`` (the rest are the
    department's, and are left out of the user's forms)."""
    if sees_all_units(user):
        return list(names)
    if model in DEPARTMENT_FIELDS and DEPARTMENT_FIELDS[model] is None:
        allowed = UNIT_ONLY_FIELDS.get(model, set())
        return [name for name in names if name in allowed]
    withheld = DEPARTMENT_FIELDS.get(model, {"unit"})
    return [name for name in names if name not in withheld]


# --- workflow steps (models/workflow.py) ---------------------------------------------------------------
def may_take_some(user, step: str, model) -> bool:
    """Whether the user's role ever takes ``step`` on records of ``model`` (the action is offered)."""
    definition = STEPS.get(model, {}).get(step)
    return definition is not None and _role(user) in definition.roles


def may_take(user, step: str, record) -> bool:
    """Whether the user may take ``step`` on ``record`` now: the role takes it, the record is in the
    user's scope and in a state the step leaves from (the button is offered; a forged one is refused)."""
    definition = STEPS.get(type(record), {}).get(step)
    if definition is None or not may_take_some(user, step, type(record)) or not owns(user, record):
        return False
    if record.status not in definition.sources:
        return False
    if step == "reject":
        # The unit leader returns what is still with the unit; the department what reached it.
        return (record.status.name == "unit_review") == (_role(user) == Role.unit_leader)
    return True


def steps_for(user, record) -> list[str]:
    """The steps ``user`` may take on ``record`` now, in the order of the state machine."""
    return [step for step in STEPS.get(type(record), {}) if may_take(user, step, record)]


# --- 发布报批 (第十二条) ------------------------------------------------------------------------------------
def may_record_publication(user, publication) -> bool:
    """The unit (or the department) records the link and time of a publication, once, on a request of its scope
    (a finding of the department carries them from the start)."""
    return (_role(user) in WRITERS[Publication] and owns(user, publication) and publication.published_at is None
            and publication.status != PublicationStatus.unrequested)


def may_record_violation(user, publication) -> bool:
    """A publication without an authorisation becomes a violation record (第十三条): the department's, once."""
    return _role(user) in DEPT and publication.unauthorised and publication.violation_id is None
