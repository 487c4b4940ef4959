"""What an empty list says: why it is empty and what to do next, for the user's role.

An empty list with a search or filter on says so (the records may exist); otherwise each screen
explains what belongs there and which button fills it, in the words of the buttons themselves."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user

from models import policy

#: Per list (endpoint): (for a unit user, for the department and the auditor).
MESSAGES = {
    "accounts": (_l("Your unit has not registered any new-media account yet. Click “Create” to register the first one."),
                 _l("No new-media account has been registered yet. Units register their own accounts; an existing "
                    "inventory can be loaded with “Import from Excel”.")),
    "managers": (_l("Your unit has not entered any manager yet. Click “Create” to enter the person in charge and the "
                    "administrators; you then choose them when registering an account."),
                 _l("No manager has been entered yet. Units enter the people who run their accounts.")),
    "changes": (_l("Your unit has no change request. When an account's name, managers or maintenance method "
                   "change, click “Create” and file the change within 5 working days (Article 8)."),
                _l("No change request has been filed yet.")),
    "reports": (_l("Your unit has no monthly report yet. From the 1st to the 5th of each month, click “Prepare "
                   "this month's reports” to make a draft for every account, then fill in and submit them."),
                _l("No monthly report has been filed yet.")),
    "violations": (_l("Your unit has no violation on record."),
                   _l("No violation has been recorded.")),
    "assessments": (_l("No annual assessment has been computed yet."),
                    _l("No annual assessment has been computed yet. Enter the year and click “Compute the "
                       "assessment”.")),
    "units": (None, _l("No unit has been entered yet. Click “Create” to add the university's units.")),
    "users": (None, _l("No login has been created yet. Click “Create” to create one.")),
    "calendar": (None, _l("No holiday or make-up working day has been entered. Click “Enter a holiday period” to "
                          "enter the schedule the State Council announces.")),
    "audit": (_l("Nothing has been recorded for your unit's records yet."),
              _l("Nothing has been recorded yet.")),
}
FILTERED = _l("No record matches the search or the filters. Change or clear them and try again.")
DEFAULT = _l("There is nothing here yet.")


def empty_list_message(endpoint: str, searching: bool) -> str:
    if searching:
        return str(FILTERED)
    unit_text, dept_text = MESSAGES.get(endpoint, (None, None))
    text = dept_text if policy.sees_all_units(current_user) else (unit_text or dept_text)
    return str(text or DEFAULT)
