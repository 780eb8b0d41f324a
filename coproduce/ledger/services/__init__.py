"""The only code that writes ledger rows, a module per area: `accounts` (open, close),
`transfers` (`transfer_create` for clients, `post_transfer` inside other services'
transactions), `reservations`, `reversals`; each ends in the one write path, `postings`."""

# phase-1 compatibility: removed by the importer rewrite
from ..errors import LimitExceeded
from ..models import Reason
from .accounts import (
    account_close,
    fund_account,
    issuance_account,
    member_account,
    member_account_close,
    member_accounts,
    organisation_account_open,
)
from .postings import Leg, account_limits
from .reservations import (
    reservation_create,
    reservation_post,
    reservation_void,
    reservations_expire,
)
from .reversals import transfer_reverse
from .transfers import post_transfer, transfer_create

post_reversal = transfer_reverse  # phase-1 compatibility: the old name of the nestable reversal

__all__ = [
    "Leg", "LimitExceeded", "Reason", "account_close", "account_limits", "fund_account", "issuance_account",
    "member_account", "member_account_close", "member_accounts", "organisation_account_open", "post_reversal",
    "post_transfer", "reservation_create", "reservation_post", "reservation_void", "reservations_expire",
    "transfer_create", "transfer_reverse",
]
