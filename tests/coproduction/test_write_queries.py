"""What the co-production write paths that move hours cost in queries: confirming a session's
attendance register (however many came) and a redemption at a partner's door. Each count
includes the transaction's own statements (the test's savepoint and its release, BEGIN and
COMMIT in production) and the client's key (read before, written with the result).

Confirming a register: the staff check (the session's agency and its community: two, as the
session here was read without them), then the session (locked), its attendance lines with
their people and the booked sign-ups (one query each, however many lines), the rulebook,
everyone's account in one query (opening the missing ones in one insert and one read back),
one transfer for everyone (the ledger's seven statements, its own read of the rulebook among
them: all accounts locked in one query, every posting in one insert), the session saved and
the audit row. Nothing in it grows with the number of attendees.

A redemption: the desk check (the caller's memberships and their role at the partner), the
member by number, the partner and the offer read again, the member's and the partner's
accounts and the rule that routes the credits, the two accounts locked one at a time
(ascending ids, as the ledger does; three with an onward rule), an unused receipt number,
the transfer (seven statements), then the redemption, its audit row and the member's notice."""

from __future__ import annotations

import pytest

from coproduce.coproduction.models import SessionStatus
from coproduce.coproduction.services import partners as partners_services
from coproduce.coproduction.services import register as register_services
from coproduce.coproduction.services.register import RegisterLine
from tests.coproduction.partner_helpers import (
    SATURDAY_MORNING,
    balance,
    give_credit,
    leisure_centre,
    swim,
)
from tests.coproduction.test_register import book, fund_agency, held_yesterday, new_member

REGISTER_CONFIRM = 20  # everyone's accounts already open
OPENING = 2  # one insert for the accounts not opened yet, one query to read them back
REDEMPTION = 25


@pytest.mark.parametrize("size", [2, 10])
def test_it_confirms_a_register_in_as_many_queries_however_many_came(
    session, agency, agency_admin, community, size, django_assert_num_queries
):
    fund_agency(agency, 60 * 60)
    session = held_yesterday(session)
    people = [new_member(community, f"Attendee {i}") for i in range(size)]
    for person in people:
        book(session, person)
    register_services.register_save(
        actor=agency_admin, session=session, lines=[RegisterLine(p, True) for p in people]
    )
    # None of them has an account yet: they are opened together, then read back once.
    with django_assert_num_queries(REGISTER_CONFIRM + OPENING):
        confirmed = register_services.register_confirm(
            actor=agency_admin, session=session, idempotency_key=f"register-{size}"
        )
    assert confirmed.status == SessionStatus.REGISTERED
    assert [balance(community, person) for person in people] == [120] * size


@pytest.fixture
def partner(coordinator, community, agency, agency_admin):
    return leisure_centre(coordinator, community, agency)


def test_it_redeems_at_a_partners_door_in_a_fixed_number_of_queries(
    community, coordinator, member, membership_of, agency_staff, partner, django_assert_num_queries
):
    offer = swim(coordinator, partner)
    give_credit(community, member, 300)
    code = membership_of(member, community).member_code
    with django_assert_num_queries(REDEMPTION):
        redemption = partners_services.redemption_create(
            actor=agency_staff,
            partner=partner,
            offer=offer,
            member_ref=code,
            adults=1,
            children=1,
            idempotency_key="door-1",
            at=SATURDAY_MORNING,
        )
    assert redemption.minutes == 120
    assert balance(community, member) == 180
