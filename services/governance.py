"""本单位新媒体管理责任与制度 (第九条, 第十条, 第十九条): the rules, once, for every entry point.

第九条: “创建官方新媒体的主办单位党政主要负责人为第一责任人”. 第十条: “各建设单位应主动建立健全新媒体管理制度，
明确责任领导”. A unit that has accounts (any not closed, drafts included: the 备案审批表 of a first account already
names its 第一责任人) must have a 新媒体管理制度 on file and name its 第一责任人 and 责任领导. :func:`gap` is that rule
as SQL over ``units`` — the home page's count and first rows, the units list's filter and the annual assessment
all use it, so each gives exactly the units the others count.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext

from models import (Account, AccountStatus, Manager, Unit, UnitResponsibility, UnitRules, db, policy)
from services import attachments
from services.problems import Problem
from services.text import local_today, stored_time

#: The two people a unit names, by the prefix of their columns.
PERSONS = ("first", "media_leader")


# --- the rule as SQL over units -----------------------------------------------------------------------------
def has_accounts():
    """The unit has an account that is not closed."""
    return sa.exists().where(Account.unit_id == Unit.id, Account.status != AccountStatus.closed)


def has_rules(as_of: dt.date | None = None):
    """A 新媒体管理制度 is on file (adopted by ``as_of``, when given)."""
    condition = sa.exists().where(UnitRules.unit_id == Unit.id)
    return condition if as_of is None else sa.exists().where(UnitRules.unit_id == Unit.id,
                                                             UnitRules.adopted_on <= as_of)


def has_persons(as_of: dt.date | None = None):
    """The 第一责任人 and the 责任领导 are named (by the end of the day ``as_of`` in the configured zone)."""
    if as_of is None:
        return sa.exists().where(UnitResponsibility.unit_id == Unit.id)
    end = stored_time(dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time()))
    return sa.exists().where(UnitResponsibility.unit_id == Unit.id, UnitResponsibility.created_at < end)


def gap(as_of: dt.date | None = None):
    """Units with accounts but no rules on file or no named 第一责任人 / 责任领导."""
    return has_accounts() & ~(has_rules(as_of) & has_persons(as_of))


def gap_counts(user, *leading):
    """A select of (``leading`` columns, units with a gap, of which without rules, of which without named persons)
    in the user's scope: a part of the home page's summary statement (admin/home_figures.py)."""
    count = sa.func.count
    lacks_rules, lacks_persons = ~has_rules(), ~has_persons()
    query = sa.select(*leading, count().filter(lacks_rules | lacks_persons), count().filter(lacks_rules),
                      count().filter(lacks_persons)).select_from(Unit).where(has_accounts())
    return policy.scope_units(user, query)


def gap_flags():
    """1: no rules on file, 2: no named persons — for a row of the list."""
    return sa.case((~has_rules(), 1), else_=0) + sa.case((~has_persons(), 2), else_=0)


def gap_text(flags: int) -> str:
    parts = []
    if flags & 1:
        parts.append(gettext("no new-media management rules on file"))
    if flags & 2:
        parts.append(gettext("first responsible person and responsible leader not named"))
    return "、".join(parts)


def units_missing_at(unit_ids, as_of: dt.date) -> set[int]:
    """Among ``unit_ids`` (units that had accounts), those without rules adopted or persons named by ``as_of``."""
    if not unit_ids:
        return set()
    rows = db.session.execute(sa.select(Unit.id).where(Unit.id.in_(list(unit_ids)),
                                                       ~(has_rules(as_of) & has_persons(as_of))))
    return {unit_id for (unit_id,) in rows}


# --- one unit ------------------------------------------------------------------------------------------------
@dataclass
class UnitGovernance:
    """What the unit's page shows: its persons, the rules in force and the earlier ones, and what is missing."""

    unit: Unit
    has_accounts: bool
    responsibility: UnitResponsibility | None
    rules: list[UnitRules] = field(default_factory=list)

    @property
    def current(self) -> UnitRules | None:
        return self.rules[0] if self.rules else None

    @property
    def earlier(self) -> list[UnitRules]:
        return self.rules[1:]

    @property
    def missing(self) -> list[str]:
        """What the unit still has to do (only when it has accounts): "rules", "persons"."""
        if not self.has_accounts:
            return []
        return [key for key, done in (("rules", self.current is not None),
                                      ("persons", self.responsibility is not None)) if not done]


def unit_governance(unit: Unit) -> UnitGovernance:
    accounts = db.session.execute(sa.select(has_accounts()).select_from(Unit).where(Unit.id == unit.id)).scalar()
    responsibility = db.session.query(UnitResponsibility).filter(UnitResponsibility.unit_id == unit.id).one_or_none()
    return UnitGovernance(unit, bool(accounts), responsibility, rules_of(unit.id))


def rules_of(unit_id: int) -> list[UnitRules]:
    """The unit's rules documents, the one in force first (newest adoption date, then the latest filed)."""
    return (db.session.query(UnitRules).filter(UnitRules.unit_id == unit_id)
            .order_by(UnitRules.adopted_on.desc(), UnitRules.id.desc()).all())


def rules_in_force_by_unit() -> dict[int, UnitRules]:
    """Every unit's rules in force (title, adoption date) by unit id, from one query (the units export)."""
    rows = db.session.execute(sa.select(UnitRules.unit_id, UnitRules.title, UnitRules.adopted_on)
                              .order_by(UnitRules.unit_id, UnitRules.adopted_on, UnitRules.id)).all()
    return {row.unit_id: row for row in rows}  # the last of each unit wins: the newest


def superseded_by(rules: UnitRules) -> UnitRules | None:
    """The document that replaced ``rules`` (None: it is in force)."""
    newer = rules_of(rules.unit_id)
    return newer[0] if newer and newer[0].id != rules.id else None


def first_responsible(unit_id: int) -> UnitResponsibility | None:
    return db.session.query(UnitResponsibility).filter(UnitResponsibility.unit_id == unit_id).one_or_none()


# --- checks ---------------------------------------------------------------------------------------------------
def person_problems(prefix: str, unit_id: int | None, person: Manager | None, name: str | None,
                    title: str | None, phone: str | None) -> list[Problem]:
    """A named person: a name (typed, or the linked person's), a post (职务) and a way to reach them; a linked
    person must be of the unit itself."""
    found = []
    if person is not None and unit_id is not None and person.unit_id != unit_id:
        found.append(Problem(f"{prefix}_manager", gettext("Choose a person of this unit.")))
    if not (name or "").strip() and person is None:
        found.append(Problem(f"{prefix}_name", gettext("Enter the name, or choose the person from the unit's people.")))
    if not (title or "").strip() and not (person is not None and person.title):
        found.append(Problem(f"{prefix}_title", gettext("Enter the post.")))
    if not (phone or "").strip() and not (person is not None and (person.phone or person.email)):
        found.append(Problem(f"{prefix}_phone", gettext("Enter a contact phone number (the chosen person has none "
                                                        "in the register).")))
    return found


def fill_from_people(responsibility: UnitResponsibility) -> None:
    """A linked person's name and post where none was typed (the contact stays the register's: see _contact)."""
    for prefix in PERSONS:
        person = getattr(responsibility, f"{prefix}_manager")
        if person is None:
            continue
        if not (getattr(responsibility, f"{prefix}_name") or "").strip():
            setattr(responsibility, f"{prefix}_name", person.name)
        if not (getattr(responsibility, f"{prefix}_title") or "").strip():
            setattr(responsibility, f"{prefix}_title", person.title)


def adoption_problems(adopted_on: dt.date | None) -> list[Problem]:
    if adopted_on is None:
        return [Problem("adopted_on", gettext("Enter the date the rules were adopted."))]
    if adopted_on > max(dt.date.today(), local_today()):
        return [Problem("adopted_on", gettext("The adoption date cannot be in the future."))]
    return []


def upload_problem(upload) -> str | None:
    """Why the rules document would be refused (a PDF/JPEG/PNG by its content, not empty, not too large)."""
    return attachments.upload_problem(upload, attachments.AttachmentKind.other)


def store_document(rules: UnitRules, upload, actor) -> None:
    """Put the checked document into ``rules`` (raises attachments.AttachmentError when refused)."""
    data, detected = attachments.checked_content(upload)
    rules.filename = attachments.clean_name(upload.filename, detected.extension)
    rules.content_type, rules.size = detected.mime, len(data)
    rules.sha256, rules.content = hashlib.sha256(data).hexdigest(), data
    rules.uploaded_by_id = getattr(actor, "id", None)
