from __future__ import annotations

import pytest
from django.core import mail

from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import Conflict, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import ExchangeReference
from coproduce.exchanges.selectors import references as references_selectors
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import references as references_services
from tests.conftest import make_person
from tests.exchanges.test_exchanges import record


@pytest.fixture
def neighbour(community):
    person = make_person("neighbour@riverside.example", "Nia Neighbour")
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


@pytest.fixture
def confirmed(community, member, agency_staff):
    exchange = record(community, member, member, agency_staff, key="ref-1")
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    exchange.refresh_from_db()
    return exchange


def leave(exchange, actor, subject, kind="positive", text="Kind and on time.", **kw):
    return references_services.reference_leave(
        actor=actor, exchange=exchange, subject=subject, kind=kind, text=text, **kw
    )


def test_it_lets_each_side_leave_one_reference(community, member, agency_staff, confirmed):
    assert [e for e, _ in references_selectors.references_waiting(member, community)] == [confirmed]
    reference = leave(confirmed, member, agency_staff)
    assert reference.author == member and reference.subject == agency_staff
    assert references_selectors.references_waiting(member, community) == []
    assert references_selectors.references_waiting(agency_staff, community) == [
        (confirmed, [member])
    ]
    with pytest.raises(Conflict) as exc:
        leave(confirmed, member, agency_staff, kind="neutral")
    assert exc.value.code == "already_left"
    assert ExchangeReference.objects.count() == 1


def test_it_refuses_before_confirmation_and_without_an_exchange(community, member, agency_staff):
    exchange = record(community, member, member, agency_staff, key="ref-2")
    with pytest.raises(Conflict) as exc:
        leave(exchange, agency_staff, member)
    assert exc.value.code == "not_confirmed"
    with pytest.raises(Conflict) as exc:
        leave(None, agency_staff, member)
    assert exc.value.code == "not_confirmed"
    assert not ExchangeReference.objects.exists()


def test_it_refuses_after_a_reversal(community, coordinator, member, agency_staff, confirmed):
    answers_services.exchange_reverse(
        actor=coordinator, exchange=confirmed, reason="Entered twice."
    )
    confirmed.refresh_from_db()
    with pytest.raises(Conflict) as exc:
        leave(confirmed, member, agency_staff)
    assert exc.value.code == "not_confirmed"
    assert references_selectors.references_waiting(member, community) == []
    assert not ExchangeReference.objects.exists()


def test_it_refuses_someone_not_in_the_exchange(member, agency_staff, neighbour, confirmed):
    with pytest.raises(PermissionDenied):
        leave(confirmed, neighbour, member)
    assert not ExchangeReference.objects.exists()


def test_it_refuses_oneself_and_ones_own_side(member, neighbour, confirmed):
    with pytest.raises(ValidationFailed) as exc:
        leave(confirmed, member, member)
    assert "subject" in exc.value.fields
    with pytest.raises(ValidationFailed):
        leave(confirmed, member, neighbour)
    assert not ExchangeReference.objects.exists()


@pytest.mark.parametrize(
    "kind, text, field",
    [("glowing", "Fine.", "kind"), ("positive", "   ", "text"), ("positive", "x" * 2001, "text")],
)
def test_it_refuses_bad_kinds_and_text(member, agency_staff, confirmed, kind, text, field):
    with pytest.raises(ValidationFailed) as exc:
        leave(confirmed, member, agency_staff, kind=kind, text=text)
    assert field in exc.value.fields
    assert not ExchangeReference.objects.exists()


def test_it_keeps_a_concern_for_the_coordinators(
    community,
    coordinator,
    member,
    agency_staff,
    neighbour,
    confirmed,
    django_capture_on_commit_callbacks,
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        leave(confirmed, member, agency_staff, kind="concern", text="Asked to borrow money.")
    leave(confirmed, agency_staff, member, kind="neutral", text="Fine.")
    assert [m.to for m in mail.outbox] == [[coordinator.email]]
    assert "borrow" not in mail.outbox[0].body and "/coordinate/concerns/" in mail.outbox[0].body
    assert references_selectors.references_about(community, agency_staff, agency_staff) == []
    assert references_selectors.references_about(community, agency_staff, neighbour) == []
    assert [
        r.kind for r in references_selectors.references_about(community, agency_staff, coordinator)
    ] == ["concern"]
    assert [r.text for r in references_selectors.concerns_open(community)] == [
        "Asked to borrow money."
    ]
    assert [r.kind for r in references_selectors.references_about(community, member, member)] == [
        "neutral"
    ]


def test_it_records_a_coordinator_acting_for_a_member(coordinator, member, agency_staff, confirmed):
    reference = leave(confirmed, coordinator, agency_staff, on_behalf_of=member)
    assert reference.author == member
    event = AuditEvent.objects.get(action="exchange.reference")
    assert event.actor_id == coordinator.pk and event.on_behalf_of_id == member.pk


def test_it_refuses_a_member_acting_for_another(member, agency_staff, neighbour, confirmed):
    with pytest.raises(PermissionDenied):
        leave(confirmed, neighbour, agency_staff, on_behalf_of=member)
    assert not ExchangeReference.objects.exists()
