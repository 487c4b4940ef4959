"""新媒体帐号 — the register of accounts, with the management team edited on the account's page."""
from flask import flash, url_for
from flask_admin.model.form import InlineFormAdmin
from sqlalchemy import func, inspect as sa_inspect
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy.orm import joinedload, selectinload
from wtforms import ValidationError
from wtforms.validators import InputRequired, Length, Optional, URL

from models import Account, AccountStatus, ChangeRecord, Manager, Platform, TeamMember, Unit, db

from models import policy
from services import validators
from .base import ScopedModelView
from .bulk import BulkAccountMixin
from .imports import ImportMixin
from .home_filters import StaffChangeFilter
from .fields import RenderedByForm, ScopedAjaxLoader, group
from .workflow import LatenessMixin, AccountWorkflowMixin
from .formatters import deadline_cell, late_badge, status_badge
from .labels import SEARCH_PERSON, labels
from services import accounts
from services.problems import raise_first
from services.text import date_text


class TeamInline(InlineFormAdmin):
    form_columns = ["id", "manager", "role"]
    form_label = _l("Management team")
    column_labels = labels()
    form_ajax_refs = {
        "manager": ScopedAjaxLoader("manager", Manager, fields=["name", "staff_no"], order_by="name"),
    }
    form_args = {"manager": {"validators": [InputRequired()], "render_kw": SEARCH_PERSON},
                 "role": {"validators": [InputRequired()]}}


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
    # Grouped as on the 备案审批表: basic information, positioning (注3), management team.
    form_create_rules = form_edit_rules = [
        *group(_l("Basic information"), "name", "platform", "platform_other", "platform_account_id",
               "wechat_original_id", "creator_entity", "unit", "created_on", "verified", "maintenance", "vendor",
               "homepage_url", "in_matrix"),
        *group(_l("Positioning (function, content, audience)"), "positioning_function", "positioning_content",
               "positioning_audience"),
        *group(_l("Management team (one person in charge, one or more administrators)"), "team"),
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

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.wechat_original_id = accounts.normal_original_id(model.wechat_original_id)
        if model.platform != Platform.other:
            model.platform_other = None
        unit = model.unit or (db.session.get(Unit, model.unit_id) if model.unit_id else None)
        raise_first(accounts.account_problems(model, unit.established_on if unit else None), ValidationError)
        team = [accounts.Member(m.role, m.manager) for m in model.team if m.manager is not None]
        if not all(policy.owns(self_user(), member.person) for member in team):
            raise ValidationError(gettext("You can only add people of your own unit."))
        # The department may keep a team from another unit (an account moved with its people, services/bulk.py).
        raise_first(accounts.team_problems(model.verified, team), ValidationError)
        if is_created:
            model.status = AccountStatus.draft
        warn_likely_duplicate(model)
        if model.created_on and (is_created or model.registration_due is None
                                 or "created_on" in sa_changed(model)):
            model.registration_due = accounts.registration_due(model.created_on)


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


def sa_changed(model) -> set[str]:
    state = sa_inspect(model)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def self_user():
    from flask_login import current_user

    return current_user._get_current_object()
