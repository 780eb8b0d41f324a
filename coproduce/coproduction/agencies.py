"""Phase-1 compatibility shim: `coproduction.agencies` is now `services/agencies.py` (writes) and
`selectors/agencies.py` (reads, `eligibility`); `can_manage` and `access_record_training` are in
`access.py`. New code imports those; the importer rewrite deletes this module."""

# phase-1 compatibility: removed by the importer rewrite
from .access import (  # noqa: F401
    access_record_training,
    can_manage,
)
from .selectors.agencies import (  # noqa: F401
    ROLES_MAX_LIMIT,
    ROLES_PAGE,
    AgencyAccount,
    RolePage,
    agencies_of,
    agencies_of_person,
    agency_account,
    agency_by_slug,
    community_check_refusal,
    credits_per_hour_percent,
    credits_per_hour_text,
    eligibility,
    role_get,
    roles_of_agency,
    roles_search,
    staff_of,
    training_of,
)
from .services.agencies import (  # noqa: F401
    AGENCY_FIELDS,
    AGENCY_FUNDING_MAX_MINUTES,
    AGENCY_FUNDING_NOTE_MAX,
    AGENCY_FUNDING_SOURCES,
    MAX_TRAINING,
    ROLE_FIELDS,
    _search_document,
    agency_archive,
    agency_create,
    agency_fund,
    agency_update,
    role_archive,
    role_create,
    role_publish,
    role_update,
    staff_add,
    staff_remove,
    training_record,
)
