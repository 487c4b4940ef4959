"""incidents (第十四条) and accountability on violations (第十七条): the incidents table; a violation's 责任人 as
persons with their posts and its 问责 outcome, date, deciding body and 文号; attachments of incidents (screenshots)
and violations (the decision document). Incidents go through the review of every reviewed record (draft →
unit_review → dept_review → handled, returned) and may be escalated.

Revision ID: ic4d2e8f1a93
Revises: ca3f8e1d27b4
Create Date: 2026-12-01 23:30:00

"""
import re

import sqlalchemy as sa
from alembic import op

revision = "ic4d2e8f1a93"
down_revision = "ca3f8e1d27b4"
branch_labels = None
depends_on = None

OLD_KINDS = ("signed_form", "evidence", "qr_code", "other")
NEW_KINDS = ("signed_form", "evidence", "qr_code", "screenshot", "decision", "other")
OLD_OWNERS = ("account_id", "change_id", "report_id")
NEW_OWNERS = ("account_id", "change_id", "report_id", "incident_id", "violation_id")
OUTCOMES = ("inspection", "circulation", "reorganisation", "admonishment", "organisational", "disciplinary", "none")


def _kind_check(values):
    return "kind IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _owner_check(columns):
    return " + ".join(f"(CASE WHEN {c} IS NULL THEN 0 ELSE 1 END)" for c in columns) + " = 1"


def _people(text):
    """The free text of 责任人 as persons: split at 、，,；; and line breaks; 姓名（职务） keeps the post."""
    people = []
    for part in re.split(r"[、，,；;\n]+", text or ""):
        part = part.strip()
        if not part:
            continue
        match = re.match(r"^(.*?)[（(](.*?)[）)]?$", part)
        name, post = (match.group(1).strip(), match.group(2).strip()) if match and match.group(1).strip() \
            else (part, "")
        people.append({"name": name[:50], "post": post[:100]})
    return people or None


def upgrade():
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("responsible_people", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("accountability_outcome", sa.Enum(
            *OUTCOMES, name="accountability_outcome", native_enum=False, create_constraint=True, length=22),
            nullable=True))
        batch_op.add_column(sa.Column("accountability_decided_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("accountability_body", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("accountability_doc_no", sa.String(length=100), nullable=True))
        batch_op.alter_column("responsible_persons", existing_type=sa.VARCHAR(length=200),
                              type_=sa.String(length=500), existing_nullable=True)
        batch_op.create_index(batch_op.f("ix_violations_accountability_outcome"), ["accountability_outcome"],
                              unique=False)
        batch_op.create_check_constraint("accountability_has_date",
                                         "accountability_outcome IS NULL OR accountability_decided_on IS NOT NULL")
        batch_op.create_check_constraint("accountability_after_occurred",
                                         "accountability_decided_on IS NULL OR accountability_decided_on >= occurred_on")

    # The free text of 责任人 becomes persons (names, and the post where it was written in brackets); the text
    # itself stays as it was (the list searches and shows it).
    violations = sa.table("violations", sa.column("id", sa.Integer), sa.column("responsible_persons", sa.String),
                          sa.column("responsible_people", sa.JSON))
    conn = op.get_bind()
    rows = conn.execute(sa.select(violations.c.id, violations.c.responsible_persons)
                        .where(violations.c.responsible_persons.is_not(None))).all()
    for ident, text in rows:
        people = _people(text)
        if people:
            conn.execute(violations.update().where(violations.c.id == ident).values(responsible_people=people))

    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("harmful_content", "reputation", "public_opinion", "account_security",
                                  "impersonation", "other", name="incident_kind", native_enum=False,
                                  create_constraint=True, length=24), nullable=False),
        sa.Column("status", sa.Enum("draft", "unit_review", "dept_review", "handled", "returned", "escalated",
                                    name="incident_status", native_enum=False, create_constraint=True, length=19),
                  nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=500), nullable=True),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("found_by", sa.String(length=100), nullable=False),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("handled_at", sa.DateTime(), nullable=True),
        sa.Column("violation_id", sa.Integer(), nullable=True),
        # the review columns of every reviewed record (models/review.py)
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("is_late", sa.Boolean(), nullable=False),
        sa.Column("unit_opinion", sa.Text(), nullable=True),
        sa.Column("unit_signed_by_id", sa.Integer(), nullable=True),
        sa.Column("unit_signed_at", sa.DateTime(), nullable=True),
        sa.Column("dept_opinion", sa.Text(), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("approved_at", sa.DateTime(), nullable=True),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("(status = 'escalated') = (violation_id IS NOT NULL)",
                           name=op.f("ck_incidents_escalated_has_violation")),
        sa.CheckConstraint("description <> ''", name=op.f("ck_incidents_description_not_empty")),
        sa.CheckConstraint("status <> 'handled' OR handled_at IS NOT NULL", name=op.f("ck_incidents_handled_has_time")),
        sa.CheckConstraint("status <> 'handled' OR approved_at IS NOT NULL",
                           name=op.f("ck_incidents_handled_is_approved")),
        sa.CheckConstraint("handled_at IS NULL OR handled_at >= found_at", name=op.f("ck_incidents_handled_after_found")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_incidents_account_id_accounts")),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_incidents_unit_id_units")),
        sa.ForeignKeyConstraint(["violation_id"], ["violations.id"], name=op.f("fk_incidents_violation_id_violations")),
        sa.ForeignKeyConstraint(["unit_signed_by_id"], ["users.id"], name=op.f("fk_incidents_unit_signed_by_id_users")),
        sa.ForeignKeyConstraint(["approved_by_id"], ["users.id"], name=op.f("fk_incidents_approved_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("violation_id", name=op.f("uq_incidents_violation_id")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incidents_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_incidents_found_at_id", ["found_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_unit_id"), ["unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_is_late"), ["is_late"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_unit_signed_by_id"), ["unit_signed_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_incidents_approved_by_id"), ["approved_by_id"], unique=False)

    with op.batch_alter_table("attachments", schema=None, recreate="always") as batch_op:
        batch_op.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("violation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_attachments_incident_id"), ["incident_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_attachments_violation_id"), ["violation_id"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_attachments_incident_id_incidents"), "incidents",
                                    ["incident_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_attachments_violation_id_violations"), "violations",
                                    ["violation_id"], ["id"])
        batch_op.drop_constraint(op.f("ck_attachments_exactly_one_owner"), type_="check")
        batch_op.create_check_constraint("exactly_one_owner", _owner_check(NEW_OWNERS))
        batch_op.drop_constraint(op.f("ck_attachments_attachment_kind"), type_="check")
        batch_op.create_check_constraint("attachment_kind", _kind_check(NEW_KINDS))


def downgrade():
    op.execute("DELETE FROM attachments WHERE incident_id IS NOT NULL OR violation_id IS NOT NULL "
               "OR kind IN ('screenshot', 'decision')")
    with op.batch_alter_table("attachments", schema=None, recreate="always") as batch_op:
        batch_op.drop_constraint(op.f("ck_attachments_exactly_one_owner"), type_="check")
        batch_op.drop_constraint(op.f("ck_attachments_attachment_kind"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_attachments_violation_id_violations"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_attachments_incident_id_incidents"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_attachments_violation_id"))
        batch_op.drop_index(batch_op.f("ix_attachments_incident_id"))
        batch_op.drop_column("violation_id")
        batch_op.drop_column("incident_id")
        batch_op.create_check_constraint("exactly_one_owner", _owner_check(OLD_OWNERS))
        batch_op.create_check_constraint("attachment_kind", _kind_check(OLD_KINDS))

    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_approved_by_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_unit_signed_by_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_is_late"))
        batch_op.drop_index(batch_op.f("ix_incidents_unit_id"))
        batch_op.drop_index(batch_op.f("ix_incidents_status"))
        batch_op.drop_index(batch_op.f("ix_incidents_kind"))
        batch_op.drop_index("ix_incidents_found_at_id")
        batch_op.drop_index(batch_op.f("ix_incidents_account_id"))
    op.drop_table("incidents")

    op.execute("UPDATE violations SET responsible_persons = substr(responsible_persons, 1, 200) "
               "WHERE length(responsible_persons) > 200")
    with op.batch_alter_table("violations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_violations_accountability_after_occurred"), type_="check")
        batch_op.drop_constraint(op.f("ck_violations_accountability_has_date"), type_="check")
        batch_op.drop_constraint(op.f("ck_violations_accountability_outcome"), type_="check")
        batch_op.drop_index(batch_op.f("ix_violations_accountability_outcome"))
        batch_op.alter_column("responsible_persons", existing_type=sa.String(length=500),
                              type_=sa.VARCHAR(length=200), existing_nullable=True)
        batch_op.drop_column("accountability_doc_no")
        batch_op.drop_column("accountability_body")
        batch_op.drop_column("accountability_decided_on")
        batch_op.drop_column("accountability_outcome")
        batch_op.drop_column("responsible_people")
