"""Every read about exchanges and listings, a module per area: exchanges, references, listings,
search, matching (suggested matches), semantic (the optional embedding matcher), images and
lexicon. Callers import the area module."""

# phase-1 compatibility: removed by the importer rewrite. The names code outside this app
# reaches through `exchanges.selectors` today, re-exported from their area modules.
from .exchanges import (
    disputed,
    exchange_detail,
    exchange_get,
    exchange_page,
    exchanges_for_coordinator,
    exchanges_of,
    exchanges_to_confirm,
    hours_waiting,
    participations,
    to_confirm_counts,
)
from .listings import (
    categories_for,
    listing_get,
    listings_for_digest,
    listings_of,
    offers_active,
    requests_without_exchange,
)
from .references import (
    concern_get,
    concerns_for,
    concerns_open,
    concerns_open_count,
    reference_get,
    reference_subjects,
    references_about,
    references_of_exchange,
    references_waiting,
)
from .search import SEARCH_MAX_KM, SEARCH_MAX_LIMIT, listing_search, listings_public

__all__ = [
    "SEARCH_MAX_KM", "SEARCH_MAX_LIMIT", "categories_for", "concern_get", "concerns_for", "concerns_open",
    "concerns_open_count", "disputed", "exchange_detail", "exchange_get", "exchange_page", "exchanges_for_coordinator",
    "exchanges_of", "exchanges_to_confirm", "hours_waiting", "listing_get", "listing_search", "listings_for_digest",
    "listings_of", "listings_public", "offers_active", "participations", "reference_get", "reference_subjects",
    "references_about", "references_of_exchange", "references_waiting", "requests_without_exchange",
    "to_confirm_counts",
]
