"""The register through the API: GET / PUT / confirm, and the agency dashboard."""

from __future__ import annotations

import pytest

from coproduce.coproduction.models import Attendance
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors.audit import ledger_audit
from tests.api.conftest import assert_error, bearer
from tests.web.conftest import code_of

from .test_register import balance, book, fund_agency, held_yesterday, new_member


def base(session) -> str:
    return f"/api/v1/communities/{session.community.slug}/sessions/{session.pk}/attendance"


@pytest.fixture
def ready(session, agency, member):
    held_yesterday(session)
    fund_agency(agency, 600)
    book(session, member)
    return session


def put(client, session, person, lines):
    return client.put(
        base(session),
        data={"lines": lines},
        content_type="application/json",
        headers=bearer(person),
    )


def confirm(client, session, person, key="key-1"):
    return client.post(
        base(session) + "/confirm", headers={**bearer(person), "Idempotency-Key": key}
    )


def test_it_reads_saves_and_confirms(client, ready, agency_admin, member, community):
    response = client.get(base(ready), headers=bearer(agency_admin))
    assert response.status_code == 200
    body = response.json()
    assert (
        body["lines"][0]["member_code"] == code_of(member, community)
        and body["lines"][0]["attended"] is None
    )
    assert (
        body["session_minutes"] == 120
        and body["max_minutes"] == 180
        and body["credits_from"] == "agency"
    )
    walk_in = new_member(community, "Wanda Walkin")
    response = put(
        client,
        ready,
        agency_admin,
        [
            {"member": code_of(member, community), "attended": True},
            {"member": code_of(walk_in, community), "attended": True, "minutes": 45},
            {"member": code_of(agency_admin, community), "attended": True, "role": "staff"},
        ],
    )
    assert response.status_code == 200, response.content
    assert response.json()["credited_minutes"] == 165
    response = confirm(client, ready, agency_admin)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "registered" and body["transfer_id"] is not None
    assert balance(community, member) == 120 and balance(community, walk_in) == 45
    # The same key again: the original answer; another key: 409; nothing moves twice.
    again = confirm(client, ready, agency_admin)
    assert again.status_code == 200 and again.json()["transfer_id"] == body["transfer_id"]
    assert_error(confirm(client, ready, agency_admin, key="key-2"), 409, "already_confirmed")
    assert_error(
        put(
            client, ready, agency_admin, [{"member": code_of(member, community), "attended": False}]
        ),
        409,
        "already_confirmed",
    )
    assert Transfer.objects.filter(related_type="session").count() == 1
    assert balance(community, member) == 120
    assert ledger_audit([community.pk]).clean


def test_it_refuses_minutes_out_of_range(client, ready, agency_admin, member, community):
    for minutes in (0, 181, -3):
        error = assert_error(
            put(
                client,
                ready,
                agency_admin,
                [{"member": code_of(member, community), "attended": True, "minutes": minutes}],
            ),
            422,
            "validation_failed",
        )
        assert "lines.0.minutes" in error["fields"]
    assert_error(
        put(
            client,
            ready,
            agency_admin,
            [{"member": code_of(member, community), "attended": True, "minutes": "60"}],
        ),
        422,
    )
    assert not Attendance.objects.exists()


def test_it_refuses_someone_who_is_no_member(client, ready, agency_admin, member, community):
    assert_error(
        put(client, ready, agency_admin, [{"member": "RIV-9999", "attended": True}]),
        422,
        "unknown_member",
    )
    assert not Attendance.objects.exists()


def test_it_needs_an_idempotency_key_to_confirm(client, ready, agency_admin, member, community):
    put(client, ready, agency_admin, [{"member": code_of(member, community), "attended": True}])
    response = client.post(base(ready) + "/confirm", headers=bearer(agency_admin))
    assert_error(response, 422, "idempotency_key_required")
    assert balance(community, member) == 0


def test_it_refuses_when_the_agency_cannot_pay(
    client, session, agency, agency_admin, member, community
):
    held_yesterday(session)
    fund_agency(agency, 60)
    book(session, member)
    put(client, session, agency_admin, [{"member": code_of(member, community), "attended": True}])
    assert_error(confirm(client, session, agency_admin), 409, "limit_exceeded")
    # The same key again fails the same way; the register is still a draft.
    assert_error(confirm(client, session, agency_admin), 409, "limit_exceeded")
    assert balance(community, member) == 0
    assert client.get(base(session), headers=bearer(agency_admin)).json()["status"] == "scheduled"


def test_it_keeps_the_register_to_staff(
    client, ready, member, outsider, other_member, coordinator, community
):
    assert_error(client.get(base(ready), headers=bearer(member)), 403, "not_agency_staff")
    assert_error(confirm(client, ready, member), 403, "not_agency_staff")
    assert_error(
        put(client, ready, member, [{"member": code_of(member, community), "attended": True}]), 403
    )
    assert_error(client.get(base(ready), headers=bearer(other_member)), 404)
    assert client.get(base(ready), headers=bearer(coordinator)).status_code == 200
    assert balance(community, member) == 0 and not Attendance.objects.exists()


def test_it_answers_404_for_another_communitys_session(
    client, ready, other_member, other_community
):
    url = f"/api/v1/communities/{other_community.slug}/sessions/{ready.pk}/attendance"
    assert_error(client.get(url, headers=bearer(other_member)), 404)


def test_it_gives_the_agency_dashboard(client, ready, agency, agency_admin, member, community):
    put(
        client,
        ready,
        agency_admin,
        [
            {"member": code_of(member, community), "attended": True, "minutes": 90},
            {"member": code_of(agency_admin, community), "attended": True, "role": "staff"},
        ],
    )
    confirm(client, ready, agency_admin)
    url = f"/api/v1/communities/{community.slug}/agencies/{agency.slug}/dashboard"
    response = client.get(url, headers=bearer(agency_admin))
    assert response.status_code == 200, response.content
    body = response.json()
    assert (
        body["citizen_minutes"] == 90
        and body["credited_minutes"] == 90
        and body["staff_minutes"] == 120
    )
    assert body["people"] == 1 and body["new_people"] == 1 and body["codelivered_sessions"] == 1
    assert body["codelivery_percent"] == 100 and len(body["months"]) == 12
    assert {r["status"] for r in body["referrals"]} >= {"referred", "declined"}
    assert_error(client.get(url, headers=bearer(member)), 403)
    assert_error(
        client.get(url + "?start=2026-05-01&end=2026-01-01", headers=bearer(agency_admin)), 422
    )
