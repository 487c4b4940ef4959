"""工作日历 — holidays and 调休 make-up working days; the department enters a new year's schedule."""
import datetime as dt

from flask import flash, redirect, request
from flask_admin import expose
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, StringField
from wtforms.validators import InputRequired, Length, Optional

from models import DayKind, WorkCalendar, db, policy

from .base import ScopedModelView
from .fields import AdminForm, enum_field
from .labels import labels

#: The State Council's schedule for a year has at most a few dozen special days; a range longer
#: than this is a typing mistake.
MAX_BATCH_DAYS = 31


#: Where a calendar day came from (WorkCalendar.source), as a person reads it.
SOURCES = {"manual": _l("Entered by hand"), "chinese-calendar": _l("State Council schedule (chinese-calendar package)")}


def source_text(value) -> str:
    label = SOURCES.get(value)
    return str(label) if label is not None else (value or "")


class BatchForm(AdminForm):
    start = DateField(_l("From"), validators=[InputRequired()])
    end = DateField(_l("To (inclusive)"), validators=[InputRequired()])
    kind = enum_field(DayKind, _l("Kind"))
    name = StringField(_l("Holiday"), validators=[Optional(), Length(max=50)],
                       description=_l("For example 春节 or 国庆节."))


class CalendarView(ScopedModelView):
    column_list = ["day", "kind", "name", "source"]
    column_labels = labels(name=_l("Holiday"))
    column_filters = ["day", "kind", "source"]
    column_searchable_list = ["name"]
    column_sortable_list = ["day", "kind"]
    column_default_sort = ("day", True)
    form_columns = ["day", "kind", "name"]
    form_args = {"day": {"validators": [InputRequired()]}}
    integrity_messages = dict.fromkeys(
        ("uq_work_calendar_day", "work_calendar.day"),
        _l("This date is already in the calendar; edit that entry instead."))
    list_template = "admin/calendar_list.html"
    column_formatters = column_formatters_detail = {"source": lambda v, c, m, n: source_text(m.source)}
    page_size = 50

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.source = "manual"

    @expose("/batch/", methods=("GET", "POST"))
    def batch_view(self):
        """Enter a run of holidays (or make-up working days) at once, as the State Council publishes them."""
        policy.require(policy.can_create(current_user, WorkCalendar))
        form = BatchForm(request.form)
        if request.method == "POST" and form.validate():
            start, end = form.start.data, form.end.data
            if end < start or (end - start).days >= MAX_BATCH_DAYS:
                flash(gettext("Enter a range of at most %(days)s days that ends on or after its first day.",
                              days=MAX_BATCH_DAYS), "error")
            else:
                existing = {row.day: row for row in db.session.query(WorkCalendar).filter(
                    WorkCalendar.day.between(start, end))}
                day, count = start, 0
                while day <= end:
                    row = existing.get(day) or WorkCalendar(day=day)
                    row.kind, row.name, row.source = form.kind.data, (form.name.data or "").strip() or None, "manual"
                    db.session.add(row)
                    day += dt.timedelta(days=1)
                    count += 1
                db.session.commit()
                flash(gettext("%(count)s days were entered in the work calendar.", count=count), "success")
                return redirect(self.get_url(".index_view"))
        return self.render("admin/calendar_batch.html", form=form)
