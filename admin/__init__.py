"""Flask-Admin set-up: every view inherits admin.base.ScopedModelView and asks models.policy."""
from pathlib import Path

import flask_admin
from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l


def _supplement_overrides_flask_admin() -> None:
    """Let translations/…/admin.po override Flask-Admin's own zh catalog, not only fill its gaps.

    Flask-Admin loads the app's catalog first and merges its own over it, so a better wording of a
    string it already translates (创建 → 新建, 选中的 → 批量操作) would never show. Loading ours last
    makes the supplement win; strings it does not name still come from Flask-Admin's catalog."""
    from flask_admin import babel as admin_babel

    domain_class = type(admin_babel.domain)
    if getattr(domain_class, "supplement_last", False):
        return

    class SupplementLast(domain_class):
        supplement_last = True

        @property
        def translation_directories(self):
            directories = super().translation_directories
            return directories[1:] + directories[:1] if len(directories) > 1 else directories

    admin_babel.domain.__class__ = SupplementLast


def init_admin(app: Flask, csp_nonce) -> Admin:
    """The admin screens; ``csp_nonce`` gives the request's Content-Security-Policy nonce (app.py)."""
    # Imported here: the views need the app's extensions initialised first.
    from models import (Account, Assessment, AuditLog, ChangeRecord, Incident, Manager, MonthlyReport, Publication,
                        Unit, User,
                        Violation, WorkCalendar)

    from . import eager
    from .accounts import AccountView
    from .assessments import AssessmentView
    from .audit import AuditView
    from .base import SecureIndexView
    from .calendar import CalendarView
    from .changes import ChangeView
    from .incidents import IncidentView
    from .managers import ManagerView
    from .publications import PublicationView
    from .reports import ReportView
    from .settings import SettingsView
    from .units import UnitView
    from .users import UserView
    from .violations import ViolationView

    from . import form_render, list_bar
    from .menu import StaticUrls, cached_menu, cached_static_url, kept_block, user_menu

    _supplement_overrides_flask_admin()
    app.add_template_global(cached_menu, "cached_menu")
    app.add_template_global(cached_static_url, "cached_static_url")
    app.add_template_global(kept_block, "kept_block")
    app.add_template_global(user_menu, "user_menu")
    # templates/admin/lib.html: the form macros written in Python (admin/form_render.py).
    app.add_template_global(form_render, "form_render")
    app.add_template_global(form_render.enabled, "python_forms")
    app.add_template_filter(form_render.label, "label")
    app.add_template_global(form_render.admin_text, "admin_text")
    list_bar.init_app(app)
    eager.install()  # Flask-Admin's auto joins: loader options made once per attribute
    admin = Admin(
        app,
        name=_l("New-Media Account Registry"),
        theme=Bootstrap4Theme(swatch=app.config["FLASK_ADMIN_SWATCH"], fluid=app.config["FLASK_ADMIN_FLUID_LAYOUT"]),
        index_view=SecureIndexView(name=_l("Home"), url="/admin"),
        translations_path=str(Path(__file__).resolve().parent.parent / "translations"),
        csp_nonce_generator=csp_nonce,
    )
    _expose_original_templates(app, admin)
    app.add_template_global(StaticUrls(admin.endpoint), "admin_static")
    register = _l("Register")
    oversight = _l("Oversight")
    system = _l("System")
    accounts = AccountView(Account, _l("Accounts"), endpoint="accounts", url="accounts", category=register)
    managers = ManagerView(Manager, _l("Managers"), endpoint="managers", url="managers", category=register)
    accounts.people_view = managers  # a new person from a team row: the manager form and its checks
    admin.add_view(accounts)
    admin.add_view(managers)
    admin.add_view(ChangeView(ChangeRecord, _l("Change requests"), endpoint="changes", url="changes",
                              category=register))
    _add_governance_views(admin, register)
    admin.add_view(ReportView(MonthlyReport, _l("Monthly reports"), endpoint="reports", url="reports"))
    # 发布报批 (第十二条): on the menu bar beside the monthly reports, where units file and the department decides.
    admin.add_view(PublicationView(Publication, _l("Publication requests"), endpoint="publications",
                                   url="publications"))
    admin.add_view(IncidentView(Incident, _l("Incidents"), endpoint="incidents", url="incidents", category=oversight))
    admin.add_view(ViolationView(Violation, _l("Violations"), endpoint="violations", url="violations",
                                 category=oversight))
    admin.add_view(AssessmentView(Assessment, _l("Annual assessment"), endpoint="assessments", url="assessments",
                                  category=oversight))
    admin.add_view(UnitView(Unit, _l("Units"), endpoint="units", url="units", category=system))
    admin.add_view(UserView(User, _l("Users"), endpoint="users", url="users", category=system))
    admin.add_view(CalendarView(WorkCalendar, _l("Work calendar"), endpoint="calendar", url="calendar",
                                category=system))
    admin.add_view(AuditView(AuditLog, _l("Audit log"), endpoint="audit", url="audit", category=system))
    admin.add_view(SettingsView(_l("System settings"), endpoint="settings", url="settings", category=system))
    return admin


def _add_governance_views(admin: Admin, category) -> None:
    """第一责任人、责任领导 and 新媒体管理制度 (第九条, 第十条, 第十九条; admin/governance.py), and for a unit user the
    link to the unit's page."""
    from flask_admin.menu import MenuLink
    from flask_login import current_user

    from models import UNIT_ROLES, UnitResponsibility, UnitRules, policy

    from .governance import ResponsibilityView, UnitRulesView

    class UnitPageLink(MenuLink):
        def is_accessible(self):
            return policy.role_of(current_user) in UNIT_ROLES

    admin.add_link(UnitPageLink(_l("New-media management of the unit"), endpoint="responsibles.unit_view",
                                category=category))
    admin.add_view(ResponsibilityView(UnitResponsibility, _l("New-media responsible persons"), endpoint="responsibles",
                                      url="responsibles", category=category))
    admin.add_view(UnitRulesView(UnitRules, _l("New-media management rules"), endpoint="unit_rules",
                                 url="unit_rules", category=category))


def _expose_original_templates(app: Flask, admin: Admin) -> None:
    """Make Flask-Admin's own templates reachable as ``flask_admin/admin/…``.

    templates/admin/ overrides a few of them (inline event handlers and ``javascript:`` links, which
    the Content-Security-Policy forbids); the overrides import the originals under this prefix and
    replace only the macros and blocks that need it."""
    from jinja2 import ChoiceLoader, FileSystemLoader, PrefixLoader

    folder = Path(flask_admin.__file__).resolve().parent / "templates" / admin.theme.folder
    app.jinja_loader = ChoiceLoader([app.jinja_loader,
                                     PrefixLoader({"flask_admin": FileSystemLoader(str(folder))})])
