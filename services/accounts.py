"""The rules of an account and its management team (第六条, 第七条, 第八条, the 备案审批表), once.

Every entry point — the account form, the change-request form, the Excel import, the bulk actions and
the workflow steps — asks these functions and shows what they return. They read only what they are
given (a person is anything with ``name``, ``unit_id``, ``phone``, ``email`` and ``employment_status``,
so the import can pass rows not yet in the database) and never raise.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Iterable
from typing import Any, NamedTuple

from flask import current_app
from flask_babel import gettext, lazy_gettext as _l

from models import Account, AccountStatus, EmploymentStatus, Maintenance, Manager, Platform, TeamMember, TeamRole
from models.account import WECHAT_ORIGINAL_ID_PATTERN
from services.problems import Problem
from services.text import date_text, local_time
from services.workdays import add_working_days

#: The message of a malformed 原始ID (WECHAT_ORIGINAL_ID_PATTERN).
ORIGINAL_ID_FORMAT = _l("The WeChat original ID is gh_ followed by 12 characters 0-9 or a-f, "
                        "e.g. gh_1a2b3c4d5e6f.")


# --- the management team -------------------------------------------------------------------------
class Member(NamedTuple):
    """One line of a management team as an entry point has it."""
    role: TeamRole
    #: The person; None when the entry point could not find them (it reports that itself).
    person: Any
    #: Who the person is, to find the same person twice (default: the person's id, else the object).
    key: Hashable = None


def _key(member: Member):
    if member.key is not None:
        return member.key
    if member.person is None:
        return None
    return getattr(member.person, "id", None) or id(member.person)


def team_problems(verified: bool, team: Iterable[Member | tuple], unit_id: int | None = None,
                  only: Iterable | None = None) -> list[Problem]:
    """管理队伍 (备案审批表): exactly one 负责人, at least one 管理员, nobody twice; then each person, see
    :func:`member_problems`. ``unit_id``: the account's unit, which the people a change request or a
    replacement puts on the team must belong to (None: not compared — the import finds the people in the
    unit, and an account moved to another unit keeps its team). ``only``: check just these people one by one
    (a replacement is not refused for a teammate it leaves alone)."""
    team = [Member(*entry) for entry in team]
    problems = []
    if sum(1 for m in team if m.role == TeamRole.head) != 1:
        problems.append(Problem("head", gettext("A management team has exactly one person in charge.")))
    if not any(m.role == TeamRole.admin for m in team):
        problems.append(Problem("admins", gettext("A management team has at least one administrator.")))
    seen = set()
    for member in team:
        key = _key(member)
        if key is not None and key in seen:
            problems.append(Problem("admins", gettext("The same person is listed twice on the management team."),
                                    about=member.person))
            break
        seen.add(key)
    checked = None if only is None else {id(person) for person in only}
    for member in team:
        if member.person is not None and (checked is None or id(member.person) in checked):
            problems += member_problems(verified, member.role, member.person, unit_id)[:1]
    return problems


def member_problems(verified: bool, role: TeamRole, person, unit_id: int | None = None) -> list[Problem]:
    """One person in one role: of the account's unit, reachable, and 在岗在编 if 管理员 of a verified account."""
    field = "head" if role == TeamRole.head else "admins"
    problems = []
    if unit_id is not None and person.unit_id != unit_id:
        problems.append(Problem(field, gettext("“%(name)s” is not a person of the account's unit.",
                                               name=person.name), about=person))
    if not (person.phone or person.email):
        problems.append(Problem(field, gettext("“%(name)s” has neither a phone number nor an e-mail address.",
                                               name=person.name), about=person))
    if not may_serve(verified, role, person):
        status = person.employment_status
        problems.append(Problem(field, gettext(
            "“%(name)s” is %(status)s: the administrators of a verified account must be on-staff "
            "(在岗在编) employees (第八条).", name=person.name, status=str(status.label) if status else "?"),
            about=person))
    return problems


def may_serve(verified: bool, role: TeamRole, person) -> bool:
    """第八条: the 管理员 of a verified account are 在岗在编 employees."""
    return not (verified and role == TeamRole.admin and person.employment_status != EmploymentStatus.staff)


def breaks_article_8():
    """:func:`may_serve` as an SQL condition over Account, TeamMember and Manager joined: the team lines that
    break 第八条 (for lists of existing accounts; tests/test_rules_once.py checks that both agree)."""
    return ((Account.verified.is_(True)) & (TeamMember.role == TeamRole.admin)
            & (Manager.employment_status != EmploymentStatus.staff))


# --- the account's own fields ----------------------------------------------------------------------
def normal_original_id(text: str | None) -> str | None:
    """原始ID as stored: trimmed, lower case; None when empty."""
    return (text or "").strip().lower() or None


def original_id_problems(platform: Platform | None, original_id: str | None) -> list[Problem]:
    """微信公众号 need their 原始ID; any 原始ID is gh_ and 12 hexadecimal digits (give it normalised)."""
    if not original_id:
        if platform is not None and platform.is_wechat_official:
            return [Problem("wechat_original_id",
                            gettext("A WeChat official account needs its original ID (gh_ …)."))]
        return []
    if not re.match(WECHAT_ORIGINAL_ID_PATTERN, original_id):
        return [Problem("wechat_original_id", str(ORIGINAL_ID_FORMAT))]
    return []


def other_platform_problems(platform: Platform | None, platform_other: str | None) -> list[Problem]:
    """媒体类型 “其他” names the media type."""
    if platform == Platform.other and not (platform_other or "").strip():
        return [Problem("platform_other", gettext("Name the media type when you choose “Other”."))]
    return []


def vendor_problems(maintenance: Maintenance | None, vendor: str | None) -> list[Problem]:
    """委托第三方: the vendor that maintains the account is named."""
    if maintenance == Maintenance.outsourced and not (vendor or "").strip():
        return [Problem("vendor", gettext("Name the third-party vendor that maintains the account."))]
    return []


def created_on_problems(created_on: dt.date | None, unit_established_on: dt.date | None) -> list[Problem]:
    """An account is not older than its unit."""
    if created_on and unit_established_on and created_on < unit_established_on:
        return [Problem("created_on", gettext("The account cannot have been created before its unit was "
                                              "established (%(day)s).", day=date_text(unit_established_on)))]
    return []


def created_after(accounts: Iterable, when: dt.datetime) -> list:
    """The accounts whose 创建时间 comes after the day of the stored time ``when`` (naive UTC; its day in the
    configured zone): a record of what happened on an account cannot be older than the account (the incidents of
    第十四条, the publications of 第十二条)."""
    day = local_time(when).date()
    return [account for account in accounts if account.created_on and day < account.created_on]


def matrix_problems(status, in_matrix: bool) -> list[Problem]:
    """第五条: only a registered (approved) account is published in the matrix."""
    if in_matrix and status != AccountStatus.approved:
        return [Problem("in_matrix", gettext("Only a registered account can be published in the matrix."))]
    return []


def account_problems(account, unit_established_on: dt.date | None = None) -> list[Problem]:
    """The rules of an account's own fields; ``account`` is an Account or anything with its attributes
    (``wechat_original_id`` already normalised, see :func:`normal_original_id`)."""
    return [*other_platform_problems(account.platform, account.platform_other),
            *original_id_problems(account.platform, account.wechat_original_id),
            *vendor_problems(account.maintenance, account.vendor),
            *created_on_problems(account.created_on, unit_established_on),
            *matrix_problems(account.status, account.in_matrix)]


# --- deadlines ----------------------------------------------------------------------------------------
def registration_due(created_on: dt.date) -> dt.date:
    """第六条: registered within five working days (REGISTRATION_DUE_WORKING_DAYS) of the account's creation."""
    return add_working_days(created_on, current_app.config["REGISTRATION_DUE_WORKING_DAYS"])


def change_due(changed_on: dt.date) -> dt.date:
    """第八条: a change reported within five working days (CHANGE_DUE_WORKING_DAYS) of the change."""
    return add_working_days(changed_on, current_app.config["CHANGE_DUE_WORKING_DAYS"])
