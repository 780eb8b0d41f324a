"""Closing a concern with what was done: coordinators only, once, with an outcome; nobody (a
coordinator included) ever reads or closes a concern about themselves."""

from __future__ import annotations

import pytest

from coproduce.communities.services import memberships as memberships_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.models import AuditEvent
from coproduce.exchanges.models import ExchangeReference
from coproduce.exchanges.selectors import references as references_selectors
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import references as references_services
from tests.conftest import make_person
from tests.exchanges.test_exchanges import record

pytestmark = pytest.mark.django_db


@pytest.fixture
def concern(community, member, agency_staff):
    exchange = record(community, member, member, agency_staff, key="concern-1")
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    return references_services.reference_leave(
        actor=member,
        exchange=exchange,
        subject=agency_staff,
        kind="concern",
        text="Turned up late and was rude.",
    )


def closed_state():
    return list(
        ExchangeReference.objects.values_list(
            "concern_closed_at", "concern_closed_by", "concern_outcome"
        )
    )


def test_it_closes_a_concern_with_what_was_done_once(community, coordinator, concern):
    assert references_selectors.concerns_open_count(community, coordinator) == 1
    closed = references_services.concern_close(
        actor=coordinator, reference=concern, outcome="Spoke to both; apology given."
    )
    assert closed.concern_closed_by == coordinator and closed.concern_closed_at is not None
    assert closed.concern_outcome == "Spoke to both; apology given."
    event = AuditEvent.objects.get(action="exchange.concern_close")
    assert event.actor == coordinator and event.person_id == concern.author_id
    assert "apology" not in str(event.changes)
    assert references_selectors.concerns_open_count(community, coordinator) == 0
    assert [
        r.pk for r in references_selectors.concerns_for(community, coordinator, closed=True)
    ] == [concern.pk]
    before = closed_state()
    with pytest.raises(Conflict) as exc:
        references_services.concern_close(actor=coordinator, reference=concern, outcome="Again.")
    assert exc.value.code == "already_closed"
    assert closed_state() == before
    assert AuditEvent.objects.filter(action="exchange.concern_close").count() == 1


@pytest.mark.parametrize("outcome", ["", "   ", "x" * 2001, "bad\x00byte"])
def test_it_needs_an_outcome(community, coordinator, concern, outcome):
    before = closed_state()
    with pytest.raises(ValidationFailed) as exc:
        references_services.concern_close(actor=coordinator, reference=concern, outcome=outcome)
    assert "outcome" in exc.value.fields
    assert closed_state() == before


def test_it_refuses_members_and_the_person_it_is_about(community, member, agency_staff, concern):
    before = closed_state()
    for person in (member, agency_staff):
        with pytest.raises(PermissionDenied):
            references_services.concern_close(actor=person, reference=concern, outcome="Nothing.")
    assert closed_state() == before


def test_a_coordinator_never_sees_or_closes_a_concern_about_themselves(
    community, coordinator, member
):
    exchange = record(community, member, member, coordinator, key="concern-2")
    answers_services.exchange_confirm(actor=coordinator, exchange=exchange)
    about_coordinator = references_services.reference_leave(
        actor=member,
        exchange=exchange,
        subject=coordinator,
        kind="concern",
        text="Pushy about the hours.",
    )
    assert references_selectors.concerns_for(community, coordinator) == []
    assert references_selectors.concerns_open_count(community, coordinator) == 0
    assert all(
        r.kind != "concern"
        for r in references_selectors.references_about(community, coordinator, coordinator)
    )
    assert all(
        r.kind != "concern"
        for r in references_selectors.references_of_exchange(exchange, coordinator)
    )
    with pytest.raises(NotFound):
        references_selectors.concern_get(community, coordinator, about_coordinator.pk)
    with pytest.raises(NotFound):
        references_services.concern_close(
            actor=coordinator, reference=about_coordinator, outcome="Nothing to see."
        )
    second = make_person("second@riverside.example", "Sam Second", mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=community, person=second, roles=["coordinator"]
    )
    assert [r.pk for r in references_selectors.concerns_for(community, second)] == [
        about_coordinator.pk
    ]


def test_it_refuses_positive_references(community, coordinator, member, agency_staff):
    exchange = record(community, member, member, agency_staff, key="concern-3")
    answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    positive = references_services.reference_leave(
        actor=member, exchange=exchange, subject=agency_staff, kind="positive", text="Lovely."
    )
    with pytest.raises(NotFound):
        references_services.concern_close(actor=coordinator, reference=positive, outcome="Nothing.")
    with pytest.raises(NotFound):
        references_selectors.concern_get(community, coordinator, positive.pk)
