"""Phase-1 compatibility shim: `coproduction.partners` is now `services/partners.py` (writes) and
`selectors/partners.py` (reads); its access helpers are in `access.py`. New code imports those;
the importer rewrite deletes this module."""

# phase-1 compatibility: removed by the importer rewrite
from .access import (  # noqa: F401
    access_manage_offers,
    access_partner,
    access_partner_desk,
    is_partner_staff,
)
from .selectors.partners import (  # noqa: F401
    DAYS,
    MemberCheck,
    ReportRow,
    agency_for_partner,
    member_check,
    member_for_redemption,
    member_ref_parse,
    offer_get,
    offers_of,
    partner_get,
    partner_report,
    partner_report_csv,
    partners_of,
    partners_staffed_by,
    redemption_get,
    redemptions_recent,
    slot_at,
)
from .services.partners import (  # noqa: F401
    MAX_PEOPLE,
    OFFER_FIELDS,
    PARTNER_FIELDS,
    RECEIPT_ALPHABET,
    offer_create,
    offer_deactivate,
    offer_update,
    partner_archive,
    partner_create,
    partner_update,
    redemption_create,
)
