"""The one "who may answer this exchange" rule (exchanges.access), which the services enforce and
the exchange's page asks in advance (exchange_detail's actions)."""

from __future__ import annotations

import pytest

from coproduce.core.errors import PermissionDenied
from coproduce.exchanges import access as exchange_access
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.services import answers as answers_services
from tests.exchanges.test_exchanges import record


@pytest.fixture
def recorded(community, member, agency_staff):
    return record(community, member, member, agency_staff)


def test_it_lets_the_other_side_answer_and_either_side_dispute(recorded, member, agency_staff):
    assert exchange_access.answer_refusal(agency_staff, recorded) is None
    assert exchange_access.may_answer(agency_staff, recorded)
    for person in (member, agency_staff):
        assert exchange_access.may_answer(person, recorded, dispute=True)


def test_it_refuses_the_side_that_recorded_it(recorded, member):
    refusal = exchange_access.answer_refusal(member, recorded)
    assert refusal is not None and refusal.code == "own_record"
    assert not exchange_access.may_answer(member, recorded)
    with pytest.raises(PermissionDenied) as caught:
        answers_services.exchange_confirm(actor=member, exchange=recorded)
    assert caught.value.code == "own_record"


def test_it_refuses_people_outside_the_exchange(recorded, coordinator):
    refusal = exchange_access.answer_refusal(coordinator, recorded)
    assert refusal is not None and refusal.code == "not_a_participant"
    assert refusal.message == "Only the people in this exchange can answer it."
    dispute = exchange_access.answer_refusal(coordinator, recorded, dispute=True)
    assert (
        dispute is not None
        and dispute.message == "Only the people in this exchange can dispute it."
    )
    with pytest.raises(PermissionDenied) as caught:
        answers_services.exchange_dispute(actor=coordinator, exchange=recorded, reason="Odd.")
    assert caught.value.code == "not_a_participant"


def test_it_offers_no_answer_once_answered(community, recorded, member, agency_staff):
    answers_services.exchange_confirm(actor=agency_staff, exchange=recorded)
    recorded.refresh_from_db()
    assert exchange_access.answer_refusal(agency_staff, recorded) is None
    assert not exchange_access.may_answer(agency_staff, recorded)
    assert not exchange_access.may_answer(member, recorded, dispute=True)


def test_it_is_what_the_page_offers(community, recorded, member, agency_staff):
    for person, answer in ((agency_staff, True), (member, False)):
        detail = exchanges_selectors.exchange_detail(
            community, recorded.pk, person=person, coordinates=False
        )
        assert detail.actions.answer is answer
        assert detail.actions.dispute is True
