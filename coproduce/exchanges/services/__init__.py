"""Every write about exchanges and listings, a module per area: exchanges (recording), answers
(confirming, declining, disputes, reversal), references, fund, listings, reminders, images,
embeddings and lexicon. Callers import the area module."""

# phase-1 compatibility: removed by the importer rewrite. The names code outside this app
# reaches through `exchanges.services` today, re-exported from their area modules.
from .answers import (
    exchange_confirm,
    exchange_decline,
    exchange_dispute,
    exchange_resolve,
    exchange_reverse,
    exchanges_auto_confirm,
)
from .exchanges import exchange_enter, exchange_record
from .fund import fund_donate, fund_grant
from .listings import (
    ALLIED_NOT_YET,
    LISTING_DEFAULT_MONTHS,
    POINT_DECIMALS,
    add_months,
    availability_mask,
    category_add,
    listing_activity,
    listing_close,
    listing_create,
    listing_search_document,
    listing_update,
    listings_expire,
)
from .references import concern_close, reference_leave
from .reminders import listing_renew, listings_remind

__all__ = [
    "ALLIED_NOT_YET", "LISTING_DEFAULT_MONTHS", "POINT_DECIMALS", "add_months", "availability_mask", "category_add",
    "concern_close", "exchange_confirm", "exchange_decline", "exchange_dispute", "exchange_enter", "exchange_record",
    "exchange_resolve", "exchange_reverse", "exchanges_auto_confirm", "fund_donate", "fund_grant", "listing_activity",
    "listing_close", "listing_create", "listing_renew", "listing_search_document", "listing_update", "listings_expire",
    "listings_remind", "reference_leave",
]
