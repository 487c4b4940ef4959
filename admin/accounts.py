"""新媒体帐号 — the register of accounts, with the management team edited on the account's page."""
from flask import flash, g, request, url_for
from flask_admin.form import rules
from flask_admin.model.form import InlineFormAdmin
from sqlalchemy import func, inspect as sa_inspect
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import selectinload
from wtforms import ValidationError
from wtforms.validators import InputRequired, Length, Optional, URL

from models import Account, AccountStatus, ChangeRecord, Manager, Platform, TeamMember, TeamRole, Unit, db

from models import policy
from services import validators
from .eager import joinedload
from .base import ScopedModelView
from .bulk import BulkAccountMixin
from .imports import ImportMixin
from .home_filters import StaffChangeFilter
from .form_render import speed_up
from .fields import Facts, RenderedByForm, ScopedAjaxLoader, Section, add_error, error_summary, unit_lookup
from .workflow import LatenessMixin, AccountWorkflowMixin
from .formatters import deadline_cell, late_badge, status_badge
from .labels import SEARCH_PERSON, labels
from services import accounts, bulk
from services.problems import Problem
from services.text import date_text


class NewPersonButton:
    """"New person" beside a team row's search box: opens the dialog of admin/_new_person.html (admin.js). Shown
    only to a user who may create people; its words are translated when the form is drawn."""

    def __bool__(self):
        # Asked for every team row (and the blank one) of a form: answered once per request.
        if "may_create_people" not in g:
            g.may_create_people = policy.can_create(self_user(), Manager)
        return g.may_create_people

    def __html__(self):
        if not self:
            return ""
        return str(Markup('<button type="button" class="btn btn-outline-primary" data-new-person '
                          'title="{}">{}</button>').format(gettext("Add a person who is not yet listed under Managers"),
                                                           gettext("Add a new person")))


NEW_PERSON_BUTTON = NewPersonButton()


class TeamInline(InlineFormAdmin):
    form_columns = ["id", "manager", "role"]
    form_label = _l("Management team")
    column_labels = labels()
    form_ajax_refs = {
        "manager": ScopedAjaxLoader("manager", Manager, fields=["name", "staff_no"], order_by="name"),
    }
    form_args = {"manager": {"validators": [InputRequired()], "render_kw": SEARCH_PERSON},
                 "role": {"validators": [InputRequired()]}}
    # One row per person: the person (with "new person" beside the search box) and the role side by side.
    form_rules = [rules.Row("manager", "role")]
    form_widget_args = {"manager": {"append": NEW_PERSON_BUTTON}}


class AccountView(ImportMixin, BulkAccountMixin, LatenessMixin, AccountWorkflowMixin, ScopedModelView):
    column_list = ["name", "platform", "unit", "status", "verified", "in_matrix",
                   "created_on", "registration_due", "is_late"]
    column_labels = labels(name=_l("Account name"), change_history=_l("Change history"))
    column_searchable_list = ["name", "platform_account_id", "wechat_original_id", "homepage_url"]
    account_search = True  # through the trigram indexes on PostgreSQL (admin.search.matching_accounts)
    account_search_columns = tuple(column_searchable_list)
    column_filters = ["status", "platform", "unit.name", "verified", "in_matrix", "is_late", "created_on",
                      "registration_due", "unit.kind", StaffChangeFilter()]  # the last two: home page links
    column_sortable_list = ["name", "platform", ("unit", "unit.name"), "status", "created_on",
                            "registration_due"]
    print_endpoint = "printing.account_form"
    list_template = "admin/accounts_list.html"
    column_default_sort = ("id", True)
    column_formatters = {"is_late": late_badge, "status": status_badge, "registration_due": deadline_cell}
    deadline_columns = ("registration_due",)
    column_details_list = [
        "name", "platform", "platform_other", "platform_account_id", "wechat_original_id", "creator_entity",
        "unit", "created_on", "verified", "positioning_function", "positioning_content",
        "positioning_audience", "maintenance", "vendor", "homepage_url", "team", "status", "in_matrix",
        "registration_due", "is_late", "submitted_at", "unit_opinion", "unit_signed_by", "unit_signed_at",
        "dept_opinion", "approved_by", "approved_at", "return_reason", "change_history", "created_at", "updated_at",
    ]
    column_formatters_detail = {
        "status": status_badge, "is_late": late_badge, "registration_due": deadline_cell,
        "change_history": lambda v, c, m, n: change_history(m),
        "team": lambda v, c, m, n: "；".join(
            f"{member.role.label}：{member.manager.name} {member.manager.phone or member.manager.email or ''}"
            for member in m.team),
    }
    form_columns = [
        "name", "platform", "platform_other", "platform_account_id", "wechat_original_id", "creator_entity",
        "unit", "created_on", "verified", "positioning_function", "positioning_content",
        "positioning_audience", "maintenance", "vendor", "homepage_url", "in_matrix",
    ]
    inline_models = [TeamInline(TeamMember)]
    form_ajax_refs = {"unit": unit_lookup()}  # (1,500 units at province scale: a search box, not a drop-down)
    # Grouped as on the 备案审批表 (views/printing.py prints it): the account, who runs it, its positioning (注3),
    # its management team, the review. Two columns on a wide screen, one on a phone (admin.css).
    form_create_rules = form_edit_rules = [
        Section("basic", _l("Basic information"), "name", "platform", "platform_other", "platform_account_id",
                "wechat_original_id", "created_on", "verified", "homepage_url"),
        Section("owner", _l("Owner and maintenance"), "creator_entity", "unit", "maintenance", "vendor",
                extra=[Facts(lambda account: unit_facts(account))]),
        Section("positioning", _l("Positioning (function, content, audience)"), "positioning_function",
                "positioning_content", "positioning_audience", wide=("positioning_function", "positioning_content",
                                                                     "positioning_audience")),
        Section("team", _l("Management team (one person in charge, one or more administrators)"), "team",
                wide=("team",)),
        Section("review", _l("Review opinions"), "in_matrix", extra=[Facts(lambda account: review_facts(account))]),
        RenderedByForm("row_version"),  # the version the user loaded: a stale save is refused
    ]
    form_args = {
        "name": {"validators": [InputRequired(), Length(max=100)]},
        "creator_entity": {"validators": [InputRequired(), Length(max=100)]},
        "created_on": {"validators": [InputRequired(), validators.not_in_future]},
        "homepage_url": {"validators": [Optional(), URL(message=_l("Enter a full address starting with "
                                                                   "http:// or https://."))]},
        "platform_account_id": {"validators": [Optional(), Length(max=100)]},
    }
    integrity_messages = {
        **dict.fromkeys(("uq_accounts_platform", "accounts.platform, accounts.platform_account_id"),
                        _l("An account with this account ID on this platform is already registered.")),
        **dict.fromkeys(("uq_accounts_wechat_original_id", "accounts.wechat_original_id"),
                        _l("An account with this WeChat original ID is already registered.")),
        **dict.fromkeys(("uq_accounts_homepage_url", "accounts.homepage_url"),
                        _l("An account with this homepage URL is already registered.")),
        **dict.fromkeys(("uq_account_team_one_head", "account_team.account_id"),
                        _l("A management team has exactly one person in charge.")),
        **dict.fromkeys(("uq_account_team_account_id", "account_team.account_id, account_team.manager_id"),
                        _l("The same person is listed twice on the management team.")),
    }

    def get_query(self):
        return super().get_query().options(joinedload(Account.unit))

    def get_one_query(self):
        return super().get_query().options(
            joinedload(Account.unit),
            selectinload(Account.team).joinedload(TeamMember.manager),
            joinedload(Account.unit_signed_by), joinedload(Account.approved_by))

    #: The manager view whose form and checks make a new person from a team row (admin/__init__.py links it).
    people_view = None

    def create_form(self, obj=None):
        form = super().create_form(obj)
        form.record, form.problems = None, []
        if request.method == "GET" and "team" in form and not form.team.entries:
            # A new account's team as on the paper form: a 负责人 row and a 管理员 row to fill in.
            for role in (TeamRole.head, TeamRole.admin):
                form.team.append_entry().form.role.data = role
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.record, form.problems = obj, []
        return form

    def error_summary(self, form):
        """The refusals to list at the top of the form (admin/_form_summary.html)."""
        return error_summary(form)

    def new_person_form(self):
        """The manager form shown in the "new person" dialog of a team row, or None when the user may not create
        people (admin/_new_person.html; it posts to the manager view's team_person endpoint)."""
        if self.people_view is None or not self.people_view.can_create:
            return None
        form = self.people_view.blank_create_form()
        speed_up(form)  # its fields are drawn one by one by the dialog's template
        return form

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.wechat_original_id = accounts.normal_original_id(model.wechat_original_id)
        if model.platform != Platform.other:
            model.platform_other = None
        unit = model.unit or (db.session.get(Unit, model.unit_id) if model.unit_id else None)
        problems = accounts.account_problems(model, unit.established_on if unit else None)
        team = [accounts.Member(m.role, m.manager) for m in model.team if m.manager is not None]
        foreign = [member.person for member in team if not policy.owns(self_user(), member.person)]
        problems += [Problem("team", gettext("You can only add people of your own unit."), about=person)
                     for person in foreign]
        if not foreign:
            # The department may keep a team from another unit (an account moved with its people, services/bulk.py).
            problems += accounts.team_problems(model.verified, team)
        if problems:
            show_problems(form, problems)
            raise ValidationError(gettext("Please correct the problems marked below."))
        if is_created:
            model.status = AccountStatus.draft
        elif unit is not None and _unit_changed(model):
            bulk.carry_records(model, unit.id)  # the department moved it: its records go with it
        warn_likely_duplicate(model)
        if model.created_on and (is_created or model.registration_due is None
                                 or "created_on" in sa_changed(model)):
            model.registration_due = accounts.registration_due(model.created_on)


TEAM_FIELDS = ("team", "head", "admins")


def show_problems(form, problems: list[Problem]) -> None:
    """Each refusal next to what it is about: the field, the team row of the person (the last one of a person
    listed twice), the team as a whole; what the form does not show goes to the summary only (``form.problems``)."""
    rows = team_rows(form)
    for problem in problems:
        matching = [entry for entry, person in rows if problem.about is not None and same_person(person, problem.about)]
        if matching:
            add_error(matching[-1].form.manager, problem.message)
        elif problem.field in TEAM_FIELDS and "team" in form:
            add_error(form.team, problem.message)
        elif problem.field not in TEAM_FIELDS and problem.field in form:
            add_error(form[problem.field], problem.message)
        else:
            form.problems.append(problem.message)


def team_rows(form) -> list:
    """The team rows of the posted form that stay on the team, with their person: (entry, person)."""
    if "team" not in form:
        return []
    field = form.team
    return [(entry, entry.form.manager.data) for entry in field.entries
            if not (hasattr(field, "should_delete") and field.should_delete(entry))]


def same_person(a, b) -> bool:
    return a is b or (getattr(a, "id", None) is not None and getattr(a, "id", None) == getattr(b, "id", None))


def unit_facts(account):
    """The unit's principal head, title and phone, as the paper form prints them beside the responsible unit."""
    unit = account.unit if account is not None else None
    if unit is None:
        return []
    return [(gettext("Principal head of unit"), unit.leader_name), (gettext("Title"), unit.leader_title),
            (gettext("Contact phone"), unit.phone)]


def review_facts(account):
    """Where the registration stands and the opinions given (the form's last rows, filled in by the review)."""
    if account is None:
        return [(gettext("Review"), gettext("Saved as a draft; after it is submitted, the unit's head gives the "
                                            "unit's opinion and the Propaganda Department reviews it."))]
    signed = lambda who, when: " · ".join(x for x in (str(who or ""), date_text(when) if when else "") if x)  # noqa: E731
    return [(gettext("Status"), account.status.label if account.status else ""),
            (gettext("Unit opinion"), account.unit_opinion),
            (gettext("Unit signed by"), signed(account.unit_signed_by, account.unit_signed_at)),
            (gettext("Propaganda Department opinion"), account.dept_opinion),
            (gettext("Approved by"), signed(account.approved_by, account.approved_at)),
            (gettext("Reason for return"), account.return_reason)]


def change_history(account: Account):
    """The account's change requests, newest first, each linked to its page (第八条)."""
    changes = (db.session.query(ChangeRecord).filter(ChangeRecord.account_id == account.id)
               .order_by(ChangeRecord.changed_on.desc(), ChangeRecord.id.desc()).all())
    if not changes:
        return gettext("No changes reported.")
    return Markup("<br>").join(
        Markup('<a href="{}">{} · {} · {}</a>').format(
            url_for("changes.details_view", id=c.id), date_text(c.changed_on), c.kind.label,
            c.status.label) for c in changes)


def warn_likely_duplicate(account: Account) -> None:
    """The same name on the same platform is probably the same account: warn, do not refuse."""
    query = db.session.query(Account.id).filter(
        Account.platform == account.platform, func.lower(Account.name) == account.name.strip().lower(),
        Account.status != AccountStatus.closed)
    if account.id:
        query = query.filter(Account.id != account.id)
    if query.first():
        flash(gettext("Another account named “%(name)s” is already registered on this platform; make sure it is "
                      "not the same account.", name=account.name), "warning")


def _unit_changed(model) -> bool:
    """Whether the form gave the account another unit (the form reads the old one to show it: in the history)."""
    state = sa_inspect(model)
    new = model.unit.id if model.unit is not None else model.unit_id
    return any(getattr(old, "id", old) != new for attr in ("unit", "unit_id")
               for old in state.attrs[attr].history.deleted if old is not None)


def sa_changed(model) -> set[str]:
    state = sa_inspect(model)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def self_user():
    from flask_login import current_user

    return current_user._get_current_object()
