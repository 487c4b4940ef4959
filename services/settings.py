"""系统设置: the thresholds and weights the department edits on a screen (admin/settings.py).

Every reader asks :func:`value` (or :func:`weights`). A value the department has set is a row of the
``settings`` table; without a row, the configuration (environment variables, config.py) gives the
default. Read from the database on each request (kept for the rest of that request only), so every app
server uses a new value at once."""
from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass

from flask import current_app, has_request_context, request
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from models import AuditAction, Setting, db, policy
from services import audit
from services.problems import Problem


@dataclass(frozen=True)
class Definition:
    key: str
    group: str
    label: str
    help: str
    minimum: int
    maximum: int
    #: Where the default comes from: a config key, or (config key, item) for ASSESSMENT_WEIGHTS.
    config: str | tuple[str, str]


GROUPS = {"dormant": _l("Suspected dormant accounts"), "assessment": _l("Annual assessment"),
          "reminders": _l("Reminders"), "publications": _l("Publication authorisation (Article 12)")}

#: The four parts of the assessment's score; together they are the full score (services/assessment.py).
WEIGHT_PARTS = ("registered_on_time", "reports_on_time", "posts", "no_violation")
FULL_SCORE = 100
#: The built-in weights (as config.py): a configured ASSESSMENT_WEIGHTS that leaves out a part keeps this one.
BUILT_IN_WEIGHTS = {"registered_on_time": 20, "reports_on_time": 50, "posts": 20, "no_violation": 10,
                    "per_violation": 10, "per_unauthorised_publication": 5, "missing_governance": 5}
#: Deductions: taken off the score, outside the parts that add up to the full score (they never change the sum rule).
DEDUCTIONS = ("per_violation", "per_unauthorised_publication", "missing_governance")

DEFINITIONS = (
    Definition("dormant_no_posts_months", "dormant", _l("Months in a row without posts"),
               _l("An account whose last reported months all have no posts is listed as suspected dormant."),
               1, 12, "DORMANT_NO_POSTS_MONTHS"),
    Definition("dormant_no_report_months", "dormant", _l("Months in a row without a monthly report"),
               _l("An account without any monthly report for this many months is listed as suspected dormant."),
               1, 12, "DORMANT_NO_REPORT_MONTHS"),
    Definition("weight_registered_on_time", "assessment", _l("Points for registering on time"),
               _l("Given in full when the account was registered by its deadline."),
               0, FULL_SCORE, ("ASSESSMENT_WEIGHTS", "registered_on_time")),
    Definition("weight_reports_on_time", "assessment", _l("Points for monthly reports on time"),
               _l("In proportion to the monthly reports submitted on time."),
               0, FULL_SCORE, ("ASSESSMENT_WEIGHTS", "reports_on_time")),
    Definition("weight_posts", "assessment", _l("Points for the number of posts"),
               _l("In proportion to the year's posts, up to the target below."),
               0, FULL_SCORE, ("ASSESSMENT_WEIGHTS", "posts")),
    Definition("weight_no_violation", "assessment", _l("Points for no violation"),
               _l("Given in full when the account had no violation in the year."),
               0, FULL_SCORE, ("ASSESSMENT_WEIGHTS", "no_violation")),
    Definition("weight_per_violation", "assessment", _l("Points taken off per violation"),
               _l("Taken off for each violation; a score never falls below 0."),
               0, FULL_SCORE, ("ASSESSMENT_WEIGHTS", "per_violation")),
    Definition("weight_per_unauthorised_publication", "assessment",
               _l("Points taken off per publication without authorisation"),
               _l("Taken off for each publication on a major event, emergency, social hot topic or sensitive issue "
                  "recorded in the year without the department's authorisation (Article 12); a score never falls "
                  "below 0."),
               0, FULL_SCORE, ("ASSESSMENT_WEIGHTS", "per_unauthorised_publication")),
    Definition("weight_missing_governance", "assessment", _l("Points taken off a unit without rules or responsible persons"),
               _l("Taken off the unit's score when at the end of the year it had accounts but no new-media management "
                  "rules on file or no named first responsible person and responsible leader (Articles 9, 10)."),
               0, FULL_SCORE, ("ASSESSMENT_WEIGHTS", "missing_governance")),
    Definition("assessment_posts_target", "assessment", _l("Posts a year for the full posts score"),
               _l("An account with this many posts in the year earns all the points for posts."),
               1, 100000, "ASSESSMENT_POSTS_TARGET"),
    Definition("reminder_lead_working_days", "reminders", _l("Working days before a deadline to remind"),
               _l("The reminder e-mails list a registration or change from this many working days before its "
                  "deadline (and every one overdue)."),
               0, 20, "REMINDER_LEAD_WORKING_DAYS"),
    Definition("publication_urgent_hours", "publications", _l("Hours to answer an urgent request"),
               _l("An urgent publication request is answered within this many hours of reaching the department."),
               1, 72, "PUBLICATION_URGENT_HOURS"),
    Definition("publication_working_days", "publications", _l("Working days to answer a normal request"),
               _l("A normal publication request is answered by the end of this many working days after it reaches "
                  "the department (holidays and make-up working days respected)."),
               1, 20, "PUBLICATION_WORKING_DAYS"),
)
BY_KEY = {d.key: d for d in DEFINITIONS}


def full_label(key: str) -> str:
    """The setting's name with its group's, as the audit log shows it (疑似僵尸号 · 连续无更新的月数)."""
    definition = BY_KEY[key]
    return f"{GROUPS[definition.group]} · {definition.label}"


def default(key: str) -> int:
    """The value the configuration gives (environment variables, config.py)."""
    source = BY_KEY[key].config
    if isinstance(source, tuple):
        name, item = source
        return int({**BUILT_IN_WEIGHTS, **(current_app.config.get(name) or {})}[item])
    return int(current_app.config[source])


def _read() -> dict[str, int]:
    stored = dict(db.session.query(Setting.key, Setting.value))
    return {d.key: stored[d.key] if d.key in stored else default(d.key) for d in DEFINITIONS}


def values() -> dict[str, int]:
    """Every setting's value now: the department's where set, else the configuration's."""
    if not has_request_context():
        return _read()
    cached = request.environ.get("xmt.settings")
    if cached is None:
        cached = request.environ["xmt.settings"] = _read()
    return dict(cached)


def value(key: str) -> int:
    return values()[key]


#: The values read under a data version's "everything" number (models/data_version.py), per database: a change of
#: the settings is a change of everything, so values read under one such number hold while it stands.
_UNDER: dict[tuple, dict[str, int]] = {}
_UNDER_LOCK = threading.Lock()


def prime(version: tuple) -> None:
    """Give this request the values read under ``version`` — (database, the number of the last change of
    everything) — or read them and keep them under it: a page that has read that number (the home page) reads no
    settings of its own."""
    if not has_request_context() or "xmt.settings" in request.environ:
        return
    found = _UNDER.get(version)
    if found is None:
        found = _read()
        with _UNDER_LOCK:
            if len(_UNDER) > 16:
                _UNDER.clear()
            _UNDER[version] = found
    request.environ["xmt.settings"] = found


def weights() -> dict[str, int]:
    """The assessment's weights under the names services/assessment.py uses."""
    current = values()
    return {part: current[f"weight_{part}"] for part in (*WEIGHT_PARTS, *DEDUCTIONS)}


def problems(new: Mapping[str, object]) -> list[Problem]:
    """What is wrong with these values (each a whole number in its range; the four parts of the
    assessment add up to the full score). Settings not in ``new`` keep their present value."""
    found: list[Problem] = []
    merged: dict[str, int] = values()
    for key, raw in new.items():
        definition = BY_KEY.get(key)
        if definition is None:
            continue
        number = _whole_number(raw)
        if number is None:
            found.append(Problem(key, gettext("Enter a whole number.")))
        elif not definition.minimum <= number <= definition.maximum:
            found.append(Problem(key, gettext("Enter a whole number from %(low)s to %(high)s.",
                                              low=definition.minimum, high=definition.maximum)))
        else:
            merged[key] = number
    if not any(p.field.startswith("weight_") for p in found):
        total = sum(merged[f"weight_{part}"] for part in WEIGHT_PARTS)
        if total != FULL_SCORE:
            found.append(Problem("weights", gettext(
                "The points for registering on time, monthly reports on time, posts and no violation must add "
                "up to %(full)s (now %(total)s).", full=FULL_SCORE, total=total)))
    return found


WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,9}")


def _whole_number(raw) -> int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    text = str(raw if raw is not None else "").strip()
    return int(text) if WHOLE_NUMBER.fullmatch(text) else None


def update(actor, new: Mapping[str, object], loaded: Mapping[str, object] | None = None) -> list[Problem]:
    """The department sets new values: checked, stored, and written to the audit log as old → new.
    Returns the problems (and changes nothing) when there are any.

    ``loaded``: the values the form showed when it was opened. Only what the user changed is then saved,
    so a form left open does not put back what someone else has changed since; a setting both people
    changed is refused with the value it has now."""
    policy.require(policy.can_write(actor, Setting))
    before = values()
    if loaded is not None:
        new = {key: raw for key, raw in new.items()
               if key in BY_KEY and (key not in loaded or str(raw).strip() != str(loaded[key]).strip())}
        moved = [Problem(key, gettext("Someone changed this setting to %(value)s after you opened the page; "
                                      "check it and save again.", value=before[key]))
                 for key in new if key in loaded and _whole_number(loaded[key]) != before[key]]
        if moved:
            return moved
    found = problems(new)
    if found:
        return found
    changes = {}
    for key, raw in new.items():
        number = _whole_number(raw)
        if key not in BY_KEY or number == before[key]:
            continue
        row = db.session.get(Setting, key) or Setting(key=key, value=number)
        row.value, row.updated_by_id = number, actor.id
        db.session.add(row)
        changes[key] = [before[key], number]
    if changes:
        entry = audit.record(AuditAction.update, user=actor, changes=changes)
        entry.object_type = "Setting"
        if has_request_context():
            request.environ.pop("xmt.settings", None)
    return []
