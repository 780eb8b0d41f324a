"""Reads about communities and people, one module per area (`selectors/<area>.py`), each
preloading what its pages show, so a page's query count stays fixed however many rows it shows.
Import the area module: `from coproduce.communities.selectors import memberships`."""

# phase-1 compatibility: removed by the importer rewrite
from .applications import (
    application_get,
    application_queue,
    application_review,
    applications_for,
    unconfirmed_application_by_token,
)
from .communities import (
    communities_listed,
    community_get,
    rulebook_current,
    rulebook_history,
    rulebook_history_with_changes,
    rules_for,
)
from .contact_relay import relay_get
from .dashboard import coordinator_dashboard
from .directory import member_directory, member_directory_page, member_view
from .history import person_history_events
from .memberships import (
    active_member_ids,
    active_members_by_number,
    coordinator_to_ask,
    member_home,
    member_number_in,
    member_numbers,
    member_record,
    membership_by_number,
    memberships_joined_before,
    memberships_of,
    parse_member_code,
)
from .neighbourhoods import neighbourhood_get, neighbourhood_named, neighbourhoods_of
from .privacy import PRIVATE_FIELDS, person_data_export, sensitive_topics
from .references import reference_by_token
from .tokens import token_authenticate, token_get, tokens_of
from .vetting import activities_allowed, checks_expiring, checks_for, vetting_level, vetting_levels

__all__ = [  # phase-1 compatibility: removed by the importer rewrite
    "PRIVATE_FIELDS",
    "active_member_ids",
    "active_members_by_number",
    "activities_allowed",
    "application_get",
    "application_queue",
    "application_review",
    "applications_for",
    "checks_expiring",
    "checks_for",
    "communities_listed",
    "community_get",
    "coordinator_dashboard",
    "coordinator_to_ask",
    "member_directory",
    "member_directory_page",
    "member_home",
    "member_number_in",
    "member_numbers",
    "member_record",
    "member_view",
    "membership_by_number",
    "memberships_joined_before",
    "memberships_of",
    "neighbourhood_get",
    "neighbourhood_named",
    "neighbourhoods_of",
    "parse_member_code",
    "person_data_export",
    "person_history_events",
    "reference_by_token",
    "relay_get",
    "rulebook_current",
    "rulebook_history",
    "rulebook_history_with_changes",
    "rules_for",
    "sensitive_topics",
    "token_authenticate",
    "token_get",
    "tokens_of",
    "unconfirmed_application_by_token",
    "vetting_level",
    "vetting_levels",
]
