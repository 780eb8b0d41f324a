"""Phase-1 compatibility shim: `coproduction.referrals` is now `services/referrals.py` (writes) and
`selectors/referrals.py` (reads); `access_referral_outcome` is in `access.py`. New code imports
those; the importer rewrite deletes this module."""

# phase-1 compatibility: removed by the importer rewrite
from .access import (  # noqa: F401
    access_referral_outcome,
)
from .selectors.referrals import (  # noqa: F401
    ReferralOutcome,
    agencies_referring,
    first_exchange_made,
    is_agency_staff,
    may_see_details,
    referral_agency,
    referral_counts,
    referral_get,
    referral_outcome,
    referral_role,
    referrals_for_staff,
    referrals_new_count,
    referrals_of_agency,
    referrals_queue,
    roles_to_refer_to,
)
from .services.referrals import (  # noqa: F401
    CONSENT_MESSAGE,
    DECLINED_KEEP_DAYS,
    SHARE_CHOICES,
    TRANSITIONS,
    referral_create,
    referral_update_status,
    referrals_minimise,
)
