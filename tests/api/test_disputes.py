"""Disputes through the API (issue 12): a member disputes hours through the exchange's
`dispute` operation (D-1 opens, the exchange is not posted), a coordinator assigns a mediator,
notes stay private, the mediator escalates, and a coordinator not involved records the panel's
decision. Bad input is answered in the one error format, naming the field, with nothing
changed."""

from __future__ import annotations

import pytest

from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.governance.models import Dispute, DisputeNote, DisputeStage
from coproduce.ledger.models import Transfer
from tests.conftest import make_person

from .conftest import assert_error, bearer, post
from .test_exchanges import code, record

BASE = "/api/v1/communities/riverside/disputes"
EXCHANGES = "/api/v1/communities/riverside/exchanges"


def person_with(community, email, name, roles=()):
    person = make_person(email, name, mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=list(roles)
    )
    return person


@pytest.fixture
def mediator(community):
    return person_with(community, "mediator@riverside.example", "Meda Mediator", [Role.MEDIATOR])


@pytest.fixture
def panellist(community):
    return person_with(community, "c2@riverside.example", "Cole Coordinator", [Role.COORDINATOR])


@pytest.fixture
def disputed(client, community, member, agency_staff):
    exchange = record(community, member, member, agency_staff)
    response = post(
        client,
        f"{EXCHANGES}/{exchange.pk}/dispute",
        {"reason": "It was one hour, not two."},
        bearer(agency_staff),
        key="d",
    )
    assert response.status_code == 200, response.content
    return exchange


def test_it_goes_from_a_disputed_exchange_to_a_panel_decision(
    client, community, member, agency_staff, coordinator, mediator, panellist, disputed
):
    assert Exchange.objects.get().status == ExchangeStatus.DISPUTED
    seen = client.get(BASE, headers=bearer(member)).json()["items"]
    assert [(d["code"], d["subject"], d["exchange"]) for d in seen] == [
        ("D-1", "exchange", disputed.pk)
    ]
    assert set(seen[0]["parties"]) == {member.display_name, agency_staff.display_name}
    assigned = post(
        client, f"{BASE}/1/mediator", {"mediator": code(mediator, community)}, bearer(coordinator)
    )
    assert assigned.status_code == 200, assigned.content
    assert assigned.json()["stage"] == "mediation"
    assert assigned.json()["mediator"] == mediator.display_name
    note = post(client, f"{BASE}/1/notes", {"body": "Can we meet on Friday?"}, bearer(mediator))
    assert note.status_code == 201, note.content
    assert_error(client.get(f"{BASE}/1/notes", headers=bearer(coordinator)), 403, "notes_private")
    assert [
        n["body"] for n in client.get(f"{BASE}/1/notes", headers=bearer(member)).json()["items"]
    ] == ["Can we meet on Friday?"]
    escalated = post(client, f"{BASE}/1/escalate", {"reason": "No agreement"}, bearer(mediator))
    assert escalated.json()["stage"] == "escalated"
    seen = client.get(f"{BASE}/1/notes", headers=bearer(panellist))
    assert seen.status_code == 200, seen.content
    decided = post(
        client,
        f"{BASE}/1/decision",
        {
            "text": "One hour: the two recorded are cancelled.",
            "outcome": "cancel",
            "panel": [code(coordinator, community)],
        },
        bearer(panellist),
    )
    assert decided.status_code == 200, decided.content
    out = decided.json()
    assert out["stage"] == "decided" and out["outcome"] == "cancel"
    assert sorted(out["panel"]) == sorted([coordinator.display_name, panellist.display_name])
    assert Exchange.objects.get().status == ExchangeStatus.DECLINED
    assert not Transfer.objects.exists()
    assert AuditEvent.objects.filter(action__startswith="dispute.").count() == 5


def test_a_mediator_who_is_a_party_is_refused_naming_the_field(
    client, community, coordinator, agency_staff, disputed
):
    memberships_services.role_set(
        actor=coordinator,
        membership=agency_staff.memberships.get(),
        role=Role.MEDIATOR,
        granted=True,
    )
    error = assert_error(
        post(
            client,
            f"{BASE}/1/mediator",
            {"mediator": code(agency_staff, community)},
            bearer(coordinator),
        ),
        422,
        "mediator_is_party",
    )
    assert "cannot mediate" in error["fields"]["mediator"][0]
    dispute = Dispute.objects.get()
    assert dispute.mediator_id is None and dispute.stage == DisputeStage.OPEN


def test_it_hides_disputes_from_everyone_else(
    client, community, coordinator, outsider, other_member, disputed
):
    bystander = person_with(community, "by@riverside.example", "Bea Bystander")
    assert client.get(BASE, headers=bearer(bystander)).json()["items"] == []
    assert_error(client.get(f"{BASE}/1", headers=bearer(bystander)), 404)
    assert_error(client.get(f"{BASE}/1/notes", headers=bearer(bystander)), 404)
    assert_error(post(client, f"{BASE}/1/notes", {"body": "Hi"}, bearer(bystander)), 404)
    assert_error(client.get(f"{BASE}/1", headers=bearer(other_member)), 404)
    assert client.get(f"{BASE}/1", headers=bearer(coordinator)).json()["code"] == "D-1"
    assert not DisputeNote.objects.exists()
    # Someone not in an exchange cannot tell it exists by disputing it.
    body = {"subject": "exchange", "exchange": disputed.pk, "summary": "Hm"}
    assert_error(post(client, BASE, body, bearer(bystander), key="x"), 404)
    assert Dispute.objects.count() == 1


def test_it_opens_a_dispute_about_a_decision_and_names_bad_fields(
    client, community, member, coordinator
):
    before = Dispute.objects.count()
    error = assert_error(
        post(
            client,
            BASE,
            {"subject": "decision", "summary": "Unfair count"},
            bearer(member),
            key="a",
        ),
        422,
    )
    assert "proposal" in error["fields"]
    assert_error(
        post(client, BASE, {"subject": "sanction", "summary": ""}, bearer(member), key="b"), 422
    )
    assert_error(
        post(
            client,
            BASE,
            {"subject": "decision", "proposal": 9, "summary": "x"},
            bearer(member),
            key="c",
        ),
        404,
    )
    from coproduce.governance.services import sanctions as sanctions_services

    unknown = {"subject": "sanction", "sanction": 4, "summary": "Too harsh"}
    assert_error(post(client, BASE, unknown, bearer(member), key="e"), 404)
    sanction = sanctions_services.sanction_create(
        actor=coordinator,
        community=community,
        member=member.memberships.get(community=community).number,
        step="reminder",
        rule_broken="Answer within a week",
        reason="Three requests unanswered",
    )
    assert sanction.number == 1
    opened = post(
        client,
        BASE,
        {"subject": "sanction", "sanction": 1, "summary": "Too harsh"},
        bearer(member),
        key="d",
    )
    assert opened.status_code == 201, opened.content
    assert opened.json()["code"] == "D-1" and opened.json()["sanction"] == 1
    assert Dispute.objects.count() == before + 1
    again = post(
        client,
        BASE,
        {"subject": "sanction", "sanction": 1, "summary": "Too harsh"},
        bearer(member),
        key="d",
    )
    assert again.json() == opened.json() and Dispute.objects.count() == before + 1


def test_only_the_mediator_records_an_agreement(
    client, community, member, coordinator, mediator, disputed
):
    post(client, f"{BASE}/1/mediator", {"mediator": code(mediator, community)}, bearer(coordinator))
    assert_error(
        post(client, f"{BASE}/1/agreement", {"text": "Ok", "outcome": "confirm"}, bearer(member)),
        403,
        "mediator_only",
    )
    error = assert_error(
        post(client, f"{BASE}/1/agreement", {"text": "Ok", "outcome": "none"}, bearer(mediator)),
        422,
    )
    assert "outcome" in error["fields"]
    agreed = post(
        client,
        f"{BASE}/1/agreement",
        {"text": "Two hours it was", "outcome": "confirm"},
        bearer(mediator),
    )
    assert agreed.json()["stage"] == "agreed"
    assert Exchange.objects.get().status == ExchangeStatus.CONFIRMED
    assert_error(
        post(client, f"{BASE}/1/escalate", {"reason": "Changed my mind"}, bearer(member)),
        409,
        "dispute_closed",
    )
