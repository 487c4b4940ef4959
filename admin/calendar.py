"""工作日历 — holidays and 调休 make-up working days; the department enters a new year's schedule."""
from flask_babel import lazy_gettext as _l
from wtforms.validators import InputRequired

from .base import ScopedModelView
from .labels import labels


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
    page_size = 50

    def on_model_change(self, form, model, is_created):
        super().on_model_change(form, model, is_created)
        model.source = "manual"
