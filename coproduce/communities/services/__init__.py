"""Writes about communities and people, one module per area (`services/<area>.py`). Each
service is atomic, takes the acting person, writes an audit row, and sends email only after
commit. Import the area module: `from coproduce.communities.services import applications`."""

# phase-1 compatibility: removed by the importer rewrite
from .acting_for import acting_for_start, acting_for_stop
from .applications import (
    APPLICATION_CONFIRM_HOURS,
    application_approve,
    application_confirm,
    application_decline,
    application_problems,
    application_request,
    application_submit,
    unconfirmed_applications_expire,
)
from .communities import (
    COMMUNITY_AREA_MAX,
    COMMUNITY_NAME_MAX,
    COMMUNITY_SLUG_MAX,
    EMAIL_MAX,
    PERSON_NAME_MAX,
    community_create,
    community_found,
    rulebook_change,
)
from .contact_relay import contact_relay_passed_on, contact_relay_send
from .memberships import membership_add, role_set
from .neighbourhoods import neighbourhood_add, neighbourhood_update
from .notes import application_note_add, person_note_add
from .offboarding import member_offboard
from .privacy import consent_give, consent_withdraw, privacy_update, sensitive_set
from .profiles import AVAILABILITY_SLOTS, gift_profile_update, person_details_update
from .references import reference_answer, reference_request
from .tokens import token_create, token_revoke, token_touch
from .vetting import check_record

__all__ = [  # phase-1 compatibility: removed by the importer rewrite
    "APPLICATION_CONFIRM_HOURS",
    "AVAILABILITY_SLOTS",
    "COMMUNITY_AREA_MAX",
    "COMMUNITY_NAME_MAX",
    "COMMUNITY_SLUG_MAX",
    "EMAIL_MAX",
    "PERSON_NAME_MAX",
    "acting_for_start",
    "acting_for_stop",
    "application_approve",
    "application_confirm",
    "application_decline",
    "application_note_add",
    "application_problems",
    "application_request",
    "application_submit",
    "check_record",
    "community_create",
    "community_found",
    "consent_give",
    "consent_withdraw",
    "contact_relay_passed_on",
    "contact_relay_send",
    "gift_profile_update",
    "member_offboard",
    "membership_add",
    "neighbourhood_add",
    "neighbourhood_update",
    "person_details_update",
    "person_note_add",
    "privacy_update",
    "reference_answer",
    "reference_request",
    "role_set",
    "rulebook_change",
    "sensitive_set",
    "token_create",
    "token_revoke",
    "token_touch",
    "unconfirmed_applications_expire",
]
