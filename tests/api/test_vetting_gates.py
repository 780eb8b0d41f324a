"""The community's check rules through the API: recording hours, coordinators' entries and
posting listings are refused with 403 `vetting_required` in the one error format, saying which
check is needed and whom to ask, and change nothing."""

from __future__ import annotations

import pytest
from django.utils import timezone

from coproduce.communities.models import CheckKind, CheckResult
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.exchanges.models import Listing

from .conftest import assert_error, bearer, post
from .test_exchanges import EXCHANGES, body

LISTINGS = "/api/v1/communities/riverside/listings"


@pytest.fixture
def founding_rules(community, coordinator):
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"vetting_one_to_one": 1},
        reason="Back to the founding rule",
    )
    return community


def id_check(coordinator, community, *people):
    for person in people:
        vetting_services.check_record(
            actor=coordinator,
            community=community,
            person=person,
            kind=CheckKind.ID_SEEN,
            result=CheckResult.PASSED,
            checked_on=timezone.localdate(),
        )


def test_recording_hours_without_the_check_is_403_and_changes_nothing(
    client, founding_rules, coordinator, member, agency_staff, hours
):
    community = founding_rules
    before = hours()
    error = assert_error(
        post(client, EXCHANGES, body(community, member, agency_staff), bearer(member)),
        403,
        "vetting_required",
    )
    assert error["message"] == (
        "One-to-one help in a public place needs the check level “ID checked” in Riverside: an ID "
        "check. You have not had an ID check yet. Ask a coordinator (Cora Coordinator) to arrange "
        "it."
    )
    assert hours() == before
    id_check(coordinator, community, member, agency_staff)
    response = post(client, EXCHANGES, body(community, member, agency_staff), bearer(member))
    assert response.status_code == 201, response.content


def test_a_coordinator_records_for_a_checked_member_only(
    client, founding_rules, coordinator, member, agency_staff, hours
):
    community = founding_rules
    data = body(community, member, agency_staff, on_behalf_of=member.memberships.get().member_code)
    before = hours()
    error = assert_error(
        post(client, EXCHANGES, data, bearer(coordinator)), 403, "vetting_required"
    )
    assert (
        "Mo Member has not had an ID check yet. Record the check on their member page"
        in error["message"]
    )
    assert hours() == before
    id_check(coordinator, community, member, agency_staff)
    assert post(client, EXCHANGES, data, bearer(coordinator)).status_code == 201


def test_entering_a_brokered_exchange_without_the_checks_is_403(
    client, founding_rules, coordinator, member, agency_staff, hours
):
    community = founding_rules
    before = hours()
    for slip in ("", "A-7"):
        assert_error(
            post(
                client,
                f"{EXCHANGES}/entries",
                body(community, member, agency_staff, slip_number=slip),
                bearer(coordinator),
            ),
            403,
            "vetting_required",
        )
    assert hours() == before
    id_check(coordinator, community, member, agency_staff)
    response = post(
        client, f"{EXCHANGES}/entries", body(community, member, agency_staff), bearer(coordinator)
    )
    assert response.status_code == 201 and response.json()["status"] == "confirmed"


def test_posting_an_in_person_listing_without_the_check_is_403(
    client, founding_rules, coordinator, member
):
    offer = {"kind": "offer", "title": "Help with the garden", "category": "gardening"}
    error = assert_error(
        client.post(LISTINGS, offer, content_type="application/json", headers=bearer(member)),
        403,
        "vetting_required",
    )
    assert "ID check" in error["message"] and "Cora Coordinator" in error["message"]
    assert not Listing.objects.exists()
    remote = client.post(
        LISTINGS,
        {**offer, "mode": "remote"},
        content_type="application/json",
        headers=bearer(member),
    )
    assert remote.status_code == 201, remote.content
    id_check(coordinator, founding_rules, member)
    assert (
        client.post(
            LISTINGS, offer, content_type="application/json", headers=bearer(member)
        ).status_code
        == 201
    )
