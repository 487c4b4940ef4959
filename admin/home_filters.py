"""List filters that the home page's counts link to, where no column filter says the same thing."""
from __future__ import annotations

from flask_admin.babel import lazy_gettext as admin_gettext
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.model.filters import BaseBooleanFilter
from flask_babel import lazy_gettext as _l

from models import Account, Unit
from services import governance, staff


class StaffChangeFilter(BaseSQLAFilter, BaseBooleanFilter):
    """管理队伍需调整: accounts, not closed, with a team member who left or is a student, or an administrator of a
    verified account who is not on-staff (第八条) — services.staff.accounts_needing_staff_change."""

    def __init__(self):
        super().__init__(Account.id, _l("Team needs a change"))

    def apply(self, query, value, alias=None):
        ids = staff.accounts_needing_staff_change()
        return query.filter(Account.id.in_(ids) if value == "1" else Account.id.not_in(ids))

    def operation(self):
        return admin_gettext("equals")  # Flask-Admin's own word (its catalog translates it)


class GovernanceGapFilter(BaseSQLAFilter, BaseBooleanFilter):
    """有帐号但管理制度或责任人未落实: units with accounts but no 新媒体管理制度 on file or no named 第一责任人 /
    责任领导 — the same rule as the home page's count (services.governance.gap)."""

    def __init__(self):
        super().__init__(Unit.id, _l("New-media rules or responsible persons missing"))

    def apply(self, query, value, alias=None):
        return query.filter(governance.gap() if value == "1" else ~governance.gap())

    def operation(self):
        return admin_gettext("equals")  # Flask-Admin's own word (its catalog translates it)
