"""Reads of the ledger, a module per area: `accounts`, `statements` (and the fund's page),
`transfers`, `amounts` (how minutes are shown), `chain` (the hash chain) and `audit` (what
`coproduce audit` runs)."""

# phase-1 compatibility: removed by the importer rewrite
from .accounts import (
    account_get,
    account_of,
    account_totals,
    accounts_in,
    balances_of,
    system_account,
)
from .amounts import hours
from .statements import (
    account_statement,
    account_statement_csv,
    fund_page,
    statement_csv_of,
    statement_page,
)
from .transfers import transfer_detail, transfer_get

__all__ = [
    "account_get", "account_of", "account_statement", "account_statement_csv", "account_totals", "accounts_in",
    "balances_of", "fund_page", "hours", "statement_csv_of", "statement_page", "system_account", "transfer_detail",
    "transfer_get",
]
