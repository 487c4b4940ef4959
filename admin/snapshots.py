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


def staff_snapshot(account) -> list[dict]:
    return [
        {"role": member.role.name, "name": member.manager.name, "title": member.manager.title,
         "phone": member.manager.phone, "email": member.manager.email}
        for member in account.team
    ]
