"""The disputes pages (issue 12): a member disputes hours from the exchange's page (D-1 opens),
a coordinator assigns a mediator (a party is refused with a form error on the field), the
mediator and parties write private notes, the mediator escalates, a coordinator on the panel
records its decision; a dispute about a decision from the proposal's page. Fixed query counts
for the list and a dispute's page; outsiders get 404; every POST answers with a redirect."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import Membership, Role
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.governance.models import Dispute, DisputeNote, DisputeStage
from coproduce.governance.services import disputes as disputes_services
from coproduce.governance.services import proposals as proposals_services
from coproduce.ledger.models import Transfer
from tests.conftest import make_person

from .conftest import recorded, text


def url(community, name, *args):
    return reverse(f"web:{name}", args=[community.slug, *args])


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
    exchange = recorded(community, member, member, agency_staff)
    client.force_login(agency_staff)
    response = client.post(
        reverse("web:exchange_dispute", args=[community.slug, exchange.pk]),
        {f"dispute-{exchange.pk}-reason": "It was one hour, not an hour and a half."},
        follow=True,
    )
    assert "D-1 is open. A coordinator will look into it" in text(response)
    client.logout()
    return exchange


def test_it_goes_from_the_exchange_page_to_a_panel_decision(
    client, community, member, agency_staff, coordinator, mediator, panellist, disputed
):
    assert Exchange.objects.get().status == ExchangeStatus.DISPUTED
    client.force_login(coordinator)
    page = text(client.get(url(community, "exchange_detail", disputed.pk)))
    assert "Dispute D-1" in page and "Settle the dispute" not in page
    assert "D-1" in text(client.get(url(community, "exchange_disputes")))
    assert "D-1: An exchange" in text(client.get(url(community, "disputes")))
    page = text(client.get(url(community, "dispute", 1)))
    assert "Assign a mediator" in page and "The notes are private" in page
    assert (
        client.post(url(community, "dispute_mediator", 1), {"mediator": mediator.pk}).status_code
        == 302
    )
    client.force_login(member)
    assert (
        client.post(url(community, "dispute_note", 1), {"body": "I was there."}).status_code == 302
    )
    client.force_login(coordinator)  # not on a panel yet: the notes are private
    assert "I was there." not in text(client.get(url(community, "dispute", 1)))
    client.force_login(mediator)
    page = text(client.get(url(community, "dispute", 1)))
    assert "I was there." in page and "Record the agreement" in page
    response = client.post(url(community, "dispute_escalate", 1), {"reason": "No agreement"})
    assert response.status_code == 302
    client.force_login(panellist)
    page = text(client.get(url(community, "dispute", 1)))
    assert "I was there." in page and "Record the panel's decision" in page
    response = client.post(
        url(community, "dispute_decide", 1),
        {"panel": [coordinator.pk], "outcome": "confirm", "text": "It was 90 minutes."},
    )
    assert response.status_code == 302
    page = text(client.get(url(community, "dispute", 1)))
    assert "Decided by a panel" in page and "Cora Coordinator, Cole Coordinator" in page
    assert Exchange.objects.get().status == ExchangeStatus.CONFIRMED
    assert Transfer.objects.count() == 1


def test_a_party_as_mediator_is_a_form_error_on_the_field(
    client, community, coordinator, agency_staff, disputed
):
    memberships_services.role_set(
        actor=coordinator,
        membership=agency_staff.memberships.get(),
        role=Role.MEDIATOR,
        granted=True,
    )
    client.force_login(coordinator)
    assert "a party: cannot mediate" in text(client.get(url(community, "dispute", 1)))
    response = client.post(url(community, "dispute_mediator", 1), {"mediator": agency_staff.pk})
    assert response.status_code == 400
    assert "Asha Staff is a party to D-1 and cannot mediate it." in text(response)
    assert 'aria-invalid="true"' in response.content.decode()
    dispute = Dispute.objects.get()
    assert dispute.mediator_id is None and dispute.stage == DisputeStage.OPEN


def test_bad_input_changes_nothing(client, community, member, coordinator, mediator, disputed):
    client.force_login(member)
    response = client.post(url(community, "dispute_note", 1), {"body": ""})
    assert response.status_code == 400 and "Write your note." in text(response)
    assert not DisputeNote.objects.exists()
    client.force_login(coordinator)
    response = client.post(url(community, "dispute_mediator", 1), {"mediator": ""})
    assert response.status_code == 400 and "Choose the mediator." in text(response)
    assert Dispute.objects.get().stage == DisputeStage.OPEN


def test_outsiders_get_404_and_members_see_only_their_own(
    client, community, outsider, other_member, disputed
):
    bystander = person_with(community, "by@riverside.example", "Bea Bystander")
    client.force_login(bystander)
    assert "No disputes." in text(client.get(url(community, "disputes")))
    assert client.get(url(community, "dispute", 1)).status_code == 404
    assert client.post(url(community, "dispute_note", 1), {"body": "Hi"}).status_code == 404
    for stranger in (outsider, other_member):
        client.force_login(stranger)
        assert client.get(url(community, "dispute", 1)).status_code == 404
    assert not DisputeNote.objects.exists()


def test_it_opens_a_dispute_about_a_decision(client, community, member, coordinator):
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 30, "proposal_cosigners": 0},
        reason="Governance for the tests",
    )
    Membership.objects.filter(community=community).update(
        joined_at=timezone.now() - dt.timedelta(days=60)
    )
    proposals_services.proposal_draft(
        actor=coordinator, community=community, kind="general", title="A park bench", body="Yes"
    )
    client.force_login(member)
    assert "Dispute this decision" in text(client.get(url(community, "proposal", 1)))
    empty = client.post(url(community, "dispute_open_decision", 1), {"summary": ""})
    assert empty.status_code == 400 and "Say what is wrong." in text(empty)
    response = client.post(
        url(community, "dispute_open_decision", 1), {"summary": "It closed a day early."}
    )
    assert response.status_code == 302 and response["Location"] == url(community, "dispute", 1)
    dispute = Dispute.objects.get()
    assert dispute.subject == "decision" and dispute.proposal.number == 1


@pytest.mark.parametrize("how_many", [2, 6])
def test_the_list_and_a_dispute_page_take_a_fixed_number_of_queries(
    client, community, member, agency_staff, coordinator, mediator, how_many
):
    for _ in range(how_many):
        exchange = recorded(community, member, member, agency_staff)
        dispute = disputes_services.dispute_open(
            actor=member, community=community, subject="exchange", exchange=exchange, summary="No"
        )
        dispute = disputes_services.dispute_mediator_assign(
            actor=coordinator, dispute=dispute, mediator=mediator
        )
        for n in range(how_many):
            disputes_services.dispute_note_add(actor=member, dispute=dispute, body=f"Note {n}")
    counts = {}
    for who in (member, coordinator, mediator):
        client.force_login(who)
        client.get(url(community, "disputes"))  # warm the process's caches
        for name, args in (("disputes", ()), ("dispute", (1,))):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url(community, name, *args)).status_code == 200
            counts[(who.email, name)] = len(queries)
    # session, person, memberships, unread count; then the list: the disputes with their parties;
    # a dispute: it with its parties, and its notes (who may read them) or the mediators to
    # choose from (a coordinator not on its panel).
    assert set(counts.values()) == {6, 7}
    assert all(n == (6 if name == "disputes" else 7) for (_who, name), n in counts.items())
