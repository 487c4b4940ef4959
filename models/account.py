"""新媒体帐号 — an official account and its management team (第二条, 第七条, the 备案审批表)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import LabeledEnum, TimestampMixin, VersionedMixin, db, enum_column, utcnow
from .manager import Manager
from .review import ReviewMixin, review_constraints
from .unit import Unit


class Platform(LabeledEnum):
    weibo = "weibo", _l("Weibo")
    wechat_subscription = "wechat_subscription", _l("WeChat official account (subscription)")
    wechat_service = "wechat_service", _l("WeChat official account (service)")
    wechat_work = "wechat_work", _l("WeCom (enterprise account)")
    wechat_channels = "wechat_channels", _l("WeChat Channels")
    qq = "qq", _l("QQ")
    douyin = "douyin", _l("Douyin")
    kuaishou = "kuaishou", _l("Kuaishou")
    bilibili = "bilibili", _l("Bilibili")
    xiaohongshu = "xiaohongshu", _l("Xiaohongshu")
    app = "app", _l("App")
    web_video = "web_video", _l("Online video / micro film")
    mobile_paper = "mobile_paper", _l("Mobile newspaper")
    other = "other", _l("Other")

    @property
    def is_wechat_official(self) -> bool:
        """微信公众号 — the platforms whose accounts have a 原始ID (gh_…)."""
        return self in (Platform.wechat_subscription, Platform.wechat_service)


class AccountStatus(LabeledEnum):
    draft = "draft", _l("Draft")
    unit_review = "unit_review", _l("Awaiting unit review")
    dept_review = "dept_review", _l("Awaiting department review")
    approved = "approved", _l("Registered")
    returned = "returned", _l("Returned for revision")
    suspended = "suspended", _l("Suspended")
    closed = "closed", _l("Closed")


class Maintenance(LabeledEnum):
    self_run = "self_run", _l("Run by the unit itself")
    outsourced = "outsourced", _l("Outsourced to a third party")


class TeamRole(LabeledEnum):
    head = "head", _l("Person in charge")
    admin = "admin", _l("Administrator")


#: 原始ID of a WeChat official account: gh_ followed by 12 hexadecimal digits.
WECHAT_ORIGINAL_ID_PATTERN = r"^gh_[0-9a-f]{12}$"


class Account(ReviewMixin, VersionedMixin, TimestampMixin, db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.CheckConstraint("name <> ''", name="name_not_empty"),
        sa.CheckConstraint(
            "platform <> 'other' OR (platform_other IS NOT NULL AND platform_other <> '')",
            name="other_platform_named",
        ),
        sa.CheckConstraint(
            "maintenance <> 'outsourced' OR (vendor IS NOT NULL AND vendor <> '')",
            name="outsourced_vendor_named",
        ),
        sa.CheckConstraint(
            "platform NOT IN ('wechat_subscription', 'wechat_service') OR wechat_original_id IS NOT NULL",
            name="wechat_original_id_required",
        ),
        sa.CheckConstraint(
            "wechat_original_id IS NULL OR (length(wechat_original_id) = 15"
            " AND substr(wechat_original_id, 1, 3) = 'gh_')",
            name="wechat_original_id_format",
        ),
        # Only registered accounts are published in the matrix (第五条).
        sa.CheckConstraint("NOT in_matrix OR status = 'approved'", name="matrix_only_approved"),
        *review_constraints(),
        # The same platform account cannot be registered twice.
        sa.UniqueConstraint("platform", "platform_account_id"),
        sa.UniqueConstraint("wechat_original_id"),
        sa.UniqueConstraint("homepage_url"),
        sa.Index("ix_accounts_unit_id_status", "unit_id", "status"),
        # The department's cards of registrations waiting (oldest first) and to submit (by their deadline): the
        # first five off the index, not every registration in that state sorted (1,161 at province scale).
        sa.Index("ix_accounts_status_submitted_at_id", "status", "submitted_at", "id"),
        sa.Index("ix_accounts_status_registration_due_id", "status", "registration_due", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 帐号名称
    name: Mapped[str] = mapped_column(sa.String(100), index=True)
    #: 媒体类型
    platform: Mapped[Platform] = mapped_column(enum_column(Platform, "platform"), index=True)
    platform_other: Mapped[str | None] = mapped_column(sa.String(50))
    #: 帐号ID on the platform (微博 uid, 抖音号, …)
    platform_account_id: Mapped[str | None] = mapped_column(sa.String(100))
    #: 微信公众号原始ID
    wechat_original_id: Mapped[str | None] = mapped_column(sa.String(15))
    #: 创建主体 — the entity that opened the account (may differ from the responsible unit).
    creator_entity: Mapped[str] = mapped_column(sa.String(100))
    #: 责任单位
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True, active_history=True)
    unit: Mapped[Unit] = relationship()
    #: 创建时间 — the day the account was opened on the platform; the 5-working-day clock starts here.
    created_on: Mapped[dt.date] = mapped_column(index=True)
    #: 是否认证
    verified: Mapped[bool] = mapped_column(default=False, nullable=False)
    #: 媒体定位: 功能定位, 内容定位, 受众定位 (备案审批表, 注3)
    positioning_function: Mapped[str | None] = mapped_column(sa.Text)
    positioning_content: Mapped[str | None] = mapped_column(sa.Text)
    positioning_audience: Mapped[str | None] = mapped_column(sa.Text)
    #: 维护方式
    maintenance: Mapped[Maintenance] = mapped_column(
        enum_column(Maintenance, "maintenance"), default=Maintenance.self_run
    )
    vendor: Mapped[str | None] = mapped_column(sa.String(100))
    homepage_url: Mapped[str | None] = mapped_column(sa.String(500))
    qr_code_path: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[AccountStatus] = mapped_column(
        enum_column(AccountStatus, "account_status"), default=AccountStatus.draft, index=True
    )
    in_matrix: Mapped[bool] = mapped_column(default=False, nullable=False, index=True)
    #: 备案截止日 — created_on + 5 working days (第六条); is_late (ReviewMixin) = first submitted after it.
    registration_due: Mapped[dt.date | None] = mapped_column(index=True)

    team: Mapped[list[TeamMember]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="TeamMember.role.desc(), TeamMember.id"
    )

    def __str__(self) -> str:
        return self.name

    @property
    def platform_label(self) -> str:
        if self.platform == Platform.other and self.platform_other:
            return f"{self.platform.label}（{self.platform_other}）"
        return str(self.platform.label) if self.platform else ""

    @property
    def head(self) -> TeamMember | None:
        return next((m for m in self.team if m.role == TeamRole.head), None)

    @property
    def admins(self) -> list[TeamMember]:
        return [m for m in self.team if m.role == TeamRole.admin]

    @property
    def audit_unit_id(self) -> int | None:
        return self.unit_id


class TeamMember(db.Model):
    """管理队伍 — one row per person on an account's team: exactly one 负责人, one or more 管理员."""

    __tablename__ = "account_team"
    __table_args__ = (
        sa.UniqueConstraint("account_id", "manager_id"),
        # At most one 负责人 per account (partial unique index, both databases).
        sa.Index(
            "uq_account_team_one_head",
            "account_id",
            unique=True,
            sqlite_where=sa.text("role = 'head'"),
            postgresql_where=sa.text("role = 'head'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    account: Mapped[Account] = relationship(back_populates="team")
    manager_id: Mapped[int] = mapped_column(sa.ForeignKey("managers.id"), index=True)
    manager: Mapped[Manager] = relationship()
    role: Mapped[TeamRole] = mapped_column(enum_column(TeamRole, "team_role"))

    def __str__(self) -> str:
        return f"{self.role.label}: {self.manager}" if self.role and self.manager else ""

    @property
    def audit_unit_id(self) -> int | None:
        return self.account.unit_id if self.account else None


def _accounts_of_team_rows(session, rows) -> set[Account]:
    """The accounts whose team the flushed ``rows`` (TeamMember) join, change or leave."""
    accounts = set()
    for row in rows:
        history = sa.orm.attributes.get_history(row, "account")
        for account in (*history.added, *history.unchanged, *history.deleted):
            if account is not None:
                accounts.add(account)
        if not accounts and row.account_id is not None:  # a row added by its account_id alone
            account = session.get(Account, row.account_id)
            if account is not None:
                accounts.add(account)
    return accounts


@sa.event.listens_for(sa.orm.Session, "before_flush")
def _team_changes_move_the_account_version(session, _flush_context, _instances) -> None:
    """The management team is part of the account (备案审批表): whatever writes the team table — the form's team
    rows, a change of managers approved, a bulk replacement, a move — also writes the account's row, so that
    its version moves and is checked (VersionedMixin). Without this a save from a page opened before a
    team-only change would silently put the old team back (issue 16, finding 1)."""
    rows = [obj for obj in (*session.new, *session.deleted) if isinstance(obj, TeamMember)]
    rows += [obj for obj in session.dirty if isinstance(obj, TeamMember) and session.is_modified(obj)]
    touched = _accounts_of_team_rows(session, rows)
    touched.update(obj for obj in session.dirty if isinstance(obj, Account)
                   and sa.inspect(obj).attrs.team.history.has_changes())
    for account in touched:
        state = sa.inspect(account)
        if state.persistent and account not in session.deleted:
            account.updated_at = utcnow()
