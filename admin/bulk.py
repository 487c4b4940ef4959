"""The department's bulk actions on the accounts list (publish, move to another unit, replace a manager)."""
from __future__ import annotations

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from models import Manager, Unit, db, policy
from models.base import to_id
from services import bulk

from .workflow import apply_to_rows

BULK_ACTIONS = {"set_in_matrix", "clear_in_matrix", "move", "replace_manager"}


class BulkAccountMixin:
    def is_action_allowed(self, name):
        if name in BULK_ACTIONS:
            return policy.is_department(current_user)
        return super().is_action_allowed(name)

    @action("set_in_matrix", _l("Publish in the matrix"), _l("Publish the selected accounts in the matrix?"))
    def action_set_in_matrix(self, ids):
        return self._bulk(ids, lambda account, actor: bulk.set_in_matrix(account, actor, True))

    @action("clear_in_matrix", _l("Take off the matrix"), _l("Take the selected accounts off the matrix?"))
    def action_clear_in_matrix(self, ids):
        return self._bulk(ids, lambda account, actor: bulk.set_in_matrix(account, actor, False))

    @action("move", _l("Move to another unit…"))
    def action_move(self, ids):
        return redirect(self.get_url(".move_view", ids=",".join(ids)))

    @action("replace_manager", _l("Replace a manager…"))
    def action_replace_manager(self, ids):
        return redirect(self.get_url(".replace_manager_view", ids=",".join(ids)))

    def _bulk(self, ids, step):
        actor = current_user._get_current_object()
        apply_to_rows(self, ids, lambda row: step(row, actor),
                      lambda done: ngettext("%(num)s record changed.", "%(num)s records changed.", done))

    def _selected(self):
        ids = [i for i in (request.values.get("ids") or "").split(",") if i][:5000]
        rows = self.scoped_rows(ids)
        if not rows:
            abort(404)
        return ids, rows

    @expose("/move/", methods=("GET", "POST"))
    def move_view(self):
        policy.require(self.is_action_allowed("move"))
        ids, rows = self._selected()
        movable, staying = bulk.team_of_move(rows)
        if request.method == "POST":
            if not self.validate_form(self.action_form()):
                abort(400)
            unit = db.session.get(Unit, to_id(request.form.get("unit")) or 0)
            chosen = {to_id(i) for i in request.form.getlist("people")} if request.form.get("move_people") else set()
            people = [p for p in movable if p.id in chosen]
            stale = [p for p in people if request.form.get(f"version_{p.id}") != str(p.version)]
            if unit is None:
                flash(gettext("Choose the unit to move the accounts to."), "error")
            elif stale or len(people) < len(chosen - {None}):
                flash(gettext("“%(record)s” was changed by someone else after you opened it; "
                              "reload the page and check it again.",
                              record="、".join(p.name for p in stale) or gettext("Management staff")), "error")
            else:
                moving = [row.id for row in rows]
                self._bulk(ids, lambda account, actor: bulk.move_to_unit(account, unit, actor, people, moving))
                return redirect(self.get_url(".index_view"))
        units = db.session.query(Unit).filter(Unit.active.is_(True)).order_by(Unit.name).all()
        return self.render("admin/bulk_move.html", rows=rows, ids=",".join(ids), units=units, movable=movable,
                           staying=staying)

    @expose("/replace-manager/", methods=("GET", "POST"))
    def replace_manager_view(self):
        policy.require(self.is_action_allowed("replace_manager"))
        ids, rows = self._selected()
        if request.method == "POST":
            if not self.validate_form(self.action_form()):
                abort(400)
            old = db.session.get(Manager, to_id(request.form.get("old")) or 0)
            new = db.session.get(Manager, to_id(request.form.get("new")) or 0)
            if old is None or new is None or old.id == new.id:
                flash(gettext("Choose the person to replace and a different person to put in their place."), "error")
            else:
                self._bulk(ids, lambda account, actor: bulk.replace_manager(account, old, new, actor))
                return redirect(self.get_url(".index_view"))
        unit_ids = {row.unit_id for row in rows}
        people = db.session.query(Manager).filter(Manager.unit_id.in_(unit_ids)).order_by(Manager.name).all()
        on_teams = sorted({m.manager for row in rows for m in row.team}, key=lambda m: m.name)
        return self.render("admin/bulk_replace_manager.html", rows=rows, ids=",".join(ids), people=people,
                           on_teams=on_teams)
