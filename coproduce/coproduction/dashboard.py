"""Phase-1 compatibility shim: `coproduction.dashboard` is now `selectors/dashboard.py`. New code
imports those; the importer rewrite deletes this module."""

# phase-1 compatibility: removed by the importer rewrite
from .selectors.dashboard import (  # noqa: F401
    MAX_MONTHS,
    REFERRAL_STALE_DAYS,
    STAFF_HOME_SHOWN,
    CommunityCoproduction,
    Dashboard,
    MonthRow,
    PartnerSpend,
    Period,
    StaffAgency,
    agency_dashboard,
    community_coproduction,
    period_for,
    staff_home,
)
