"""Disputes (governance/services/disputes.py): opening one about an exchange (the exchange is
marked disputed, not posted), a decision or a sanction; a mediator assigned by a coordinator
from the members holding the mediator role, never a party; private notes; an agreement or the
panel's decision settling the hours only by posting or a reversal naming D-n. Bad input changes
nothing."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from coproduce.communities.models import Role
from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.governance.access import access_dispute, access_dispute_notes
from coproduce.governance.models import (
    Dispute,
    DisputeNote,
    DisputeStage,
    Proposal,
    ProposalKind,
    ProposalStage,
)
from coproduce.governance.selectors import disputes as disputes_selectors
from coproduce.governance.services import disputes as disputes_services
from coproduce.ledger.models import Transfer
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.notifications.models import Notification
from tests.conftest import make_person


def balance(community, person):
    account = accounts_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


def recorded(community, provider, recipient, minutes=90):
    return exchanges_services.exchange_record(
        actor=provider,
        community=community,
        idempotency_key=str(uuid.uuid4()),
        providers=[provider],
        recipients=[recipient],
        minutes=minutes,
        effective_on=timezone.localdate(),
        title="Weeding",
        category="Gardening",
    )


def person_with(community, email, name, roles=()):
    person = make_person(email, name)
    memberships_services.membership_add(
        actor=None, community=community, person=person, roles=list(roles)
    )
    return person


@pytest.fixture
def mediator(community):
    return person_with(community, "mediator@riverside.example", "Meda Mediator", [Role.MEDIATOR])


@pytest.fixture
def second_coordinator(community):
    return person_with(
        community, "coord2@riverside.example", "Cole Coordinator", [Role.COORDINATOR]
    )


@pytest.fixture
def opened(community, member, agency_staff):
    exchange = recorded(community, member, agency_staff)
    return disputes_services.dispute_open(
        actor=agency_staff,
        community=community,
        subject="exchange",
        exchange=exchange,
        summary="It was one hour, not an hour and a half.",
    )


def test_it_opens_a_dispute_about_a_waiting_exchange(opened, community, member, agency_staff):
    exchange = Exchange.objects.get()
    assert exchange.status == ExchangeStatus.DISPUTED and exchange.transfer_id is None
    assert opened.code == "D-1" and opened.stage == DisputeStage.OPEN
    assert {p.person_id for p in opened.parties.all()} == {member.pk, agency_staff.pk}
    assert AuditEvent.objects.filter(action="dispute.open", subject_id=str(opened.pk)).exists()
    assert AuditEvent.objects.filter(action="exchange.dispute").exists()
    told = Notification.objects.filter(kind="dispute_opened")
    assert [n.person_id for n in told] == [member.pk]


def test_it_refuses_a_second_dispute_and_outsiders_of_the_exchange(
    opened, community, member, agency_staff, coordinator
):
    exchange = Exchange.objects.get()
    with pytest.raises(Conflict, match="it is disputed"):
        disputes_services.dispute_open(
            actor=member, community=community, subject="exchange", exchange=exchange, summary="x"
        )
    other = recorded(community, member, agency_staff)
    with pytest.raises(PermissionDenied):
        disputes_services.dispute_open(
            actor=coordinator, community=community, subject="exchange", exchange=other, summary="x"
        )
    assert Dispute.objects.count() == 1
    assert Exchange.objects.get(pk=other.pk).status == ExchangeStatus.RECORDED


def test_it_names_the_field_for_a_mismatched_subject(community, member):
    with pytest.raises(ValidationFailed) as caught:
        disputes_services.dispute_open(
            actor=member, community=community, subject="decision", summary="Unfair"
        )
    assert "proposal" in caught.value.fields
    with pytest.raises(ValidationFailed) as caught:
        disputes_services.dispute_open(
            actor=member, community=community, subject="sanction", sanction_ref=3, summary=""
        )
    assert caught.value.fields == {"summary": ["Write something here."]}
    assert not Dispute.objects.exists()


def test_a_mediator_who_is_a_party_is_refused_naming_the_field(
    opened, coordinator, agency_staff, community
):
    memberships_services.role_set(
        actor=coordinator,
        membership=agency_staff.memberships.get(),
        role=Role.MEDIATOR,
        granted=True,
    )
    with pytest.raises(ValidationFailed) as caught:
        disputes_services.dispute_mediator_assign(
            actor=coordinator, dispute=opened, mediator=agency_staff
        )
    assert caught.value.code == "mediator_is_party"
    assert "is a party to D-1 and cannot mediate it" in caught.value.fields["mediator"][0]
    opened.refresh_from_db()
    assert opened.mediator_id is None and opened.stage == DisputeStage.OPEN
    assert not AuditEvent.objects.filter(action="dispute.mediator").exists()


def test_a_mediator_must_hold_the_role_and_a_coordinator_assigns(
    opened, coordinator, member, mediator, second_coordinator
):
    with pytest.raises(ValidationFailed) as caught:
        disputes_services.dispute_mediator_assign(
            actor=coordinator, dispute=opened, mediator=second_coordinator
        )
    assert caught.value.code == "not_a_mediator" and "mediator" in caught.value.fields
    with pytest.raises(PermissionDenied):
        disputes_services.dispute_mediator_assign(actor=member, dispute=opened, mediator=mediator)
    dispute = disputes_services.dispute_mediator_assign(
        actor=coordinator, dispute=opened, mediator=mediator
    )
    assert dispute.stage == DisputeStage.MEDIATION and dispute.mediator_id == mediator.pk
    told = set(
        Notification.objects.filter(kind="dispute_mediator").values_list("person_id", flat=True)
    )
    assert mediator.pk in told and len(told) == 3


def test_notes_are_private_to_the_parties_and_the_mediator(
    opened, coordinator, member, mediator, outsider, community
):
    opened = disputes_services.dispute_mediator_assign(
        actor=coordinator, dispute=opened, mediator=mediator
    )
    dispute = disputes_selectors.dispute_get(community, member, 1)
    disputes_services.dispute_note_add(actor=member, dispute=dispute, body="I was there 90 min.")
    disputes_services.dispute_note_add(actor=mediator, dispute=dispute, body="Let us meet.")
    with pytest.raises(PermissionDenied):
        access_dispute_notes(coordinator, dispute)
    with pytest.raises(PermissionDenied):
        disputes_services.dispute_note_add(actor=coordinator, dispute=dispute, body="Hello")
    bystander = person_with(community, "by@riverside.example", "Bea Bystander")
    for stranger in (bystander, outsider):
        with pytest.raises(NotFound):
            access_dispute(stranger, dispute)
        with pytest.raises(NotFound):
            disputes_selectors.dispute_get(community, stranger, 1)
    assert DisputeNote.objects.count() == 2
    assert "90 min" not in str(list(AuditEvent.objects.values_list("changes", "note")))


def test_the_list_shows_a_member_their_own_and_a_coordinator_all(
    opened, community, member, coordinator
):
    bystander = person_with(community, "by@riverside.example", "Bea Bystander")
    assert [d.code for d in disputes_selectors.disputes_of(community, member)] == ["D-1"]
    assert disputes_selectors.disputes_of(community, bystander) == []
    assert [d.code for d in disputes_selectors.disputes_of(community, coordinator)] == ["D-1"]


def test_an_agreement_confirms_the_hours(opened, coordinator, mediator, member, community):
    opened = disputes_services.dispute_mediator_assign(
        actor=coordinator, dispute=opened, mediator=mediator
    )
    with pytest.raises(PermissionDenied):
        disputes_services.dispute_agree(actor=member, dispute=opened, outcome="confirm", text="Ok")
    with pytest.raises(ValidationFailed) as caught:
        disputes_services.dispute_agree(
            actor=mediator, dispute=opened, outcome="reverse", text="Ok"
        )
    assert "outcome" in caught.value.fields
    dispute = disputes_services.dispute_agree(
        actor=mediator, dispute=opened, outcome="confirm", text="It was 90 minutes after all."
    )
    assert dispute.stage == DisputeStage.AGREED and dispute.decided_by_id == mediator.pk
    exchange = Exchange.objects.get()
    assert exchange.status == ExchangeStatus.CONFIRMED and balance(community, member) == 90
    assert exchange.decision_note.startswith("D-1: ")
    assert AuditEvent.objects.filter(action="dispute.agree").exists()
    with pytest.raises(Conflict):
        disputes_services.dispute_note_add(actor=member, dispute=dispute, body="More")


def test_an_agreement_cancels_the_hours(opened, coordinator, mediator, member, community):
    opened = disputes_services.dispute_mediator_assign(
        actor=coordinator, dispute=opened, mediator=mediator
    )
    disputes_services.dispute_agree(
        actor=mediator, dispute=opened, outcome="cancel", text="Recorded twice by mistake."
    )
    assert Exchange.objects.get().status == ExchangeStatus.DECLINED
    assert not Transfer.objects.exists()


def test_posted_hours_are_corrected_only_by_a_reversal_naming_the_dispute(
    community, member, agency_staff, coordinator, mediator, second_coordinator
):
    exchange = recorded(community, member, agency_staff)
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    dispute = disputes_services.dispute_open(
        actor=agency_staff,
        community=community,
        subject="exchange",
        exchange=Exchange.objects.prefetch_related("participants").get(),
        summary="It never happened.",
    )
    assert Exchange.objects.get().status == ExchangeStatus.CONFIRMED
    dispute = disputes_services.dispute_mediator_assign(
        actor=coordinator, dispute=dispute, mediator=mediator
    )
    dispute = disputes_services.dispute_escalate(
        actor=mediator, dispute=dispute, reason="No agreement."
    )
    with pytest.raises(PermissionDenied):
        disputes_services.dispute_decide(
            actor=mediator, dispute=dispute, outcome="reverse", text="x", panel=[]
        )
    with pytest.raises(ValidationFailed) as caught:
        disputes_services.dispute_decide(
            actor=coordinator, dispute=dispute, outcome="reverse", text="x", panel=[member]
        )
    assert "panel" in caught.value.fields
    decided = disputes_services.dispute_decide(
        actor=coordinator,
        dispute=dispute,
        outcome="reverse",
        text="The session did not take place.",
        panel=[second_coordinator],
    )
    assert decided.stage == DisputeStage.DECIDED
    assert decided.panel == sorted([coordinator.pk, second_coordinator.pk])
    reversal = Transfer.objects.get(reason="reversal")
    assert reversal.memo.startswith("D-1: ") and balance(community, member) == 0
    assert Transfer.objects.count() == 2  # the original stands; nothing was edited


def test_the_panel_reads_the_notes_once_escalated(
    opened, coordinator, mediator, member, second_coordinator, community
):
    opened = disputes_services.dispute_mediator_assign(
        actor=coordinator, dispute=opened, mediator=mediator
    )
    with pytest.raises(PermissionDenied):
        access_dispute_notes(second_coordinator, opened)
    with pytest.raises(PermissionDenied):
        disputes_services.dispute_escalate(actor=second_coordinator, dispute=opened, reason="x")
    disputes_services.dispute_escalate(actor=member, dispute=opened, reason="We cannot agree.")
    dispute = disputes_selectors.dispute_get(community, second_coordinator, 1)
    access_dispute_notes(second_coordinator, dispute)
    told = set(
        Notification.objects.filter(kind="dispute_escalated").values_list("person_id", flat=True)
    )
    assert {coordinator.pk, second_coordinator.pk, mediator.pk, member.pk} <= told


def test_escalation_needs_a_coordinator_not_involved(community, member, coordinator, mediator):
    exchange = recorded(community, member, coordinator)
    dispute = disputes_services.dispute_open(
        actor=member, community=community, subject="exchange", exchange=exchange, summary="No"
    )
    other = person_with(community, "c3@riverside.example", "Cai Coordinator", [Role.COORDINATOR])
    dispute = disputes_services.dispute_mediator_assign(
        actor=other, dispute=dispute, mediator=mediator
    )
    memberships_services.role_set(
        actor=None, membership=other.memberships.get(), role=Role.COORDINATOR, granted=False
    )
    with pytest.raises(Conflict) as caught:
        disputes_services.dispute_escalate(actor=mediator, dispute=dispute, reason="Stuck")
    assert caught.value.code == "no_panel"
    dispute.refresh_from_db()
    assert dispute.stage == DisputeStage.MEDIATION


def test_a_dispute_about_a_decision_has_the_author_as_party(
    community, member, coordinator, mediator
):
    proposal = Proposal.objects.create(
        community=community,
        number=1,
        author=coordinator,
        kind=ProposalKind.GENERAL,
        stage=ProposalStage.ADOPTED,
        method="majority",
        secret=False,
        quorum_percent=0,
        cosigners_needed=0,
        deliberation_days=1,
        voting_days=1,
        rulebook_number=1,
    )
    dispute = disputes_services.dispute_open(
        actor=member,
        community=community,
        subject="decision",
        proposal=proposal,
        summary="The vote closed a day early.",
    )
    assert {p.person_id for p in dispute.parties.all()} == {member.pk, coordinator.pk}
    with pytest.raises(PermissionDenied):  # a party does not assign the mediator
        disputes_services.dispute_mediator_assign(
            actor=coordinator, dispute=dispute, mediator=mediator
        )
    with pytest.raises(NotFound):  # not its mediator (yet): they do not see it
        disputes_services.dispute_agree(actor=mediator, dispute=dispute, outcome=None, text="x")
    other = person_with(community, "c3@riverside.example", "Cai Coordinator", [Role.COORDINATOR])
    dispute = disputes_services.dispute_mediator_assign(
        actor=other, dispute=dispute, mediator=mediator
    )
    with pytest.raises(ValidationFailed) as caught:
        disputes_services.dispute_agree(
            actor=mediator, dispute=dispute, outcome="confirm", text="x"
        )
    assert caught.value.fields["outcome"] == ["Only a dispute about an exchange changes hours."]
    agreed = disputes_services.dispute_agree(
        actor=mediator, dispute=dispute, outcome=None, text="The count is explained."
    )
    assert agreed.stage == DisputeStage.AGREED and agreed.outcome == "none"


def test_the_old_settle_refuses_an_exchange_with_a_dispute(opened, coordinator):
    with pytest.raises(Conflict) as caught:
        disputes_services.disputed_exchange_resolve(
            actor=coordinator, exchange=Exchange.objects.get(), confirm=True, note="Ok"
        )
    assert caught.value.code == "settle_through_dispute" and "D-1" in caught.value.message
    assert Exchange.objects.get().status == ExchangeStatus.DISPUTED


def test_the_demo_makes_a_dispute_in_mediation(community, member, agency_staff, coordinator):
    from coproduce.ops.demo.governance_disputes import dispute_in_mediation

    neighbour = person_with(community, "n@riverside.example", "Nia Neighbour")
    dispute = dispute_in_mediation(
        community=community,
        coordinator=coordinator,
        provider=member,
        recipient=agency_staff,
        mediator=neighbour,
        on=timezone.localdate(),
    )
    assert dispute.stage == DisputeStage.MEDIATION and dispute.mediator_id == neighbour.pk
    assert DisputeNote.objects.filter(dispute=dispute).count() == 3
    assert Exchange.objects.get().status == ExchangeStatus.DISPUTED


def test_a_dispute_about_a_sanction_names_it_and_makes_its_decider_a_party(
    community, member, coordinator, other_member
):
    from coproduce.governance.models import DisputeParty
    from coproduce.governance.services import sanctions as sanctions_services

    sanction = sanctions_services.sanction_create(
        actor=coordinator,
        community=community,
        member=member.memberships.get().number,
        step="reminder",
        rule_broken="Answer within a week",
        reason="Three requests unanswered",
    )
    someone = person_with(community, "someone@riverside.example", "Sam Someone")
    with pytest.raises(NotFound):  # another member's sanction is not theirs to see
        disputes_services.dispute_open(
            actor=someone,
            community=community,
            subject="sanction",
            sanction_ref=sanction.number,
            summary="Unfair",
        )
    dispute = disputes_services.dispute_open(
        actor=member,
        community=community,
        subject="sanction",
        sanction_ref=sanction.number,
        summary="I answered by phone.",
    )
    parties = set(DisputeParty.objects.filter(dispute=dispute).values_list("person_id", flat=True))
    assert parties == {member.pk, coordinator.pk}
