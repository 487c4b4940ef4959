"""Snapshots of an account as it is now, kept by change requests and monthly reports."""
from __future__ import annotations


def account_snapshot(account) -> dict:
    return {
        "name": account.name,
        "platform": account.platform.name,
        "platform_account_id": account.platform_account_id,
        "wechat_original_id": account.wechat_original_id,
        "unit": account.unit.name if account.unit else None,
        "maintenance": account.maintenance.name if account.maintenance else None,
        "vendor": account.vendor,
        "team": staff_snapshot(account),
    }


def platform_code(account) -> str:
    """Language-independent platform of a snapshot; shown through admin.formatters.platform_text."""
    if account.platform.name == "other" and account.platform_other:
        return f"other:{account.platform_other}"
    return account.platform.name


def staff_snapshot(account) -> list[dict]:
    return [
        {"role": member.role.name, "name": member.manager.name, "title": member.manager.title,
         "phone": member.manager.phone, "email": member.manager.email}
        for member in account.team
    ]
