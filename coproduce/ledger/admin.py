from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Account, Posting, Transfer


class LedgerReadOnlyAdmin(admin.ModelAdmin[Any]):
    """The ledger is append-only: the admin may look, never add, change or delete."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Transfer)
class TransferAdmin(LedgerReadOnlyAdmin):
    list_display = ("community", "sequence", "reason", "status", "effective_at", "actor")


@admin.register(Posting)
class PostingAdmin(LedgerReadOnlyAdmin):
    list_display = ("transfer", "account", "amount_minutes", "pending")


@admin.register(Account)
class AccountAdmin(LedgerReadOnlyAdmin):
    list_display = ("name", "community", "kind", "balance_minutes", "closed_at")
