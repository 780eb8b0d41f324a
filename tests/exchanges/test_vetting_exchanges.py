"""The community's check rules gate the exchanges and listings they describe (docs/ledger.md,
"Checks before help"): recording and entering hours, for every person taking part; posting a
listing, for its owner. Confirming does not check again."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.models import CheckKind, CheckResult
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.core.errors import PermissionDenied
from coproduce.exchanges.models import Exchange, ExchangeStatus, Listing
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import listings as listings_services
from coproduce.ledger.models import Transfer
from tests.conftest import make_person

TODAY = timezone.localdate


@pytest.fixture
def rules(community, coordinator):
    """Riverside with the founding check rules (ID check for one-to-one help) and, for the group
    tests, an ID check for group activities too."""

    def set_rules(**changes):
        communities_services.rulebook_change(
            actor=coordinator, community=community, changes=changes, reason="The rules under test"
        )

    set_rules(vetting_one_to_one=1)
    return set_rules


def id_check(coordinator, community, *people, expires_on=None, checked_on=None):
    for person in people:
        vetting_services.check_record(
            actor=coordinator,
            community=community,
            person=person,
            kind=CheckKind.ID_SEEN,
            result=CheckResult.PASSED,
            checked_on=checked_on or TODAY(),
            expires_on=expires_on,
        )


def record(community, actor, providers, recipients, key, **kw):
    return exchanges_services.exchange_record(
        actor=actor,
        community=community,
        idempotency_key=key,
        providers=providers,
        recipients=recipients,
        minutes=60,
        effective_on=TODAY(),
        category="Gardening",
        **kw,
    )


def state():
    return Exchange.objects.count(), Transfer.objects.count()


def test_it_refuses_one_to_one_hours_until_both_people_are_checked(
    community, rules, coordinator, member, agency_staff
):
    before = state()
    with pytest.raises(PermissionDenied) as refused:
        record(community, member, [member], [agency_staff], "k1")
    assert refused.value.code == "vetting_required"
    assert (
        "You have not had an ID check yet. Ask a coordinator (Cora Coordinator)"
        in refused.value.message
    )
    id_check(coordinator, community, member)
    with pytest.raises(PermissionDenied) as refused:
        record(community, member, [member], [agency_staff], "k2")
    # The other person's checks are theirs: the member learns only that one is needed.
    assert "Asha Staff has not had the check this needs yet" in refused.value.message
    assert state() == before
    id_check(coordinator, community, agency_staff)
    assert (
        record(community, member, [member], [agency_staff], "k3").status == ExchangeStatus.RECORDED
    )


def test_it_refuses_a_check_that_ran_out(community, rules, coordinator, member, agency_staff):
    id_check(
        coordinator,
        community,
        member,
        agency_staff,
        checked_on=TODAY() - dt.timedelta(days=400),
        expires_on=TODAY() - dt.timedelta(days=1),
    )
    with pytest.raises(PermissionDenied) as refused:
        record(community, member, [member], [agency_staff], "k1")
    assert "Your ID check ran out on" in refused.value.message
    assert not Exchange.objects.exists()


def test_it_lets_a_coordinator_record_for_an_offline_member_who_is_checked(
    community, rules, coordinator, member, agency_staff
):
    offline = make_person(None, "Dot Offline", is_offline=True)
    memberships_services.membership_add(actor=None, community=community, person=offline)
    with pytest.raises(PermissionDenied) as refused:
        record(community, coordinator, [offline], [member], "k1", on_behalf_of=offline)
    # Told to the coordinator: where the member stands, and what to do.
    assert "Dot Offline has not had an ID check yet." in refused.value.message
    id_check(coordinator, community, offline, member)
    exchange = record(community, coordinator, [offline], [member], "k2", on_behalf_of=offline)
    assert exchange.recorded_for == offline and exchange.recorded_by == coordinator


def test_it_gates_brokered_entries_and_paper_slips(
    community, rules, coordinator, member, agency_staff
):
    def enter(key, slip=""):
        return exchanges_services.exchange_enter(
            actor=coordinator,
            community=community,
            idempotency_key=key,
            providers=[member],
            recipients=[agency_staff],
            minutes=60,
            effective_on=TODAY(),
            category="Lifts",
            slip_number=slip,
        )

    before = state()
    for key, slip in (("e1", ""), ("e2", "A-1")):
        with pytest.raises(PermissionDenied) as refused:
            enter(key, slip)
        assert (
            refused.value.code == "vetting_required"
            and "Mo Member has not had an ID check" in refused.value.message
        )
    assert state() == before
    id_check(coordinator, community, member, agency_staff)
    assert enter("e3", "A-1").status == ExchangeStatus.CONFIRMED


def test_it_holds_groups_to_the_group_rule(community, rules, coordinator, member, agency_staff):
    learner = make_person("learner@example.org", "Lee Learner")
    memberships_services.membership_add(actor=None, community=community, person=learner)
    # By default a group activity needs no check: a class is recorded for people not checked.
    assert record(community, member, [member], [agency_staff, learner], "g1").shape == "one_to_many"
    rules(vetting_group_activity=1)
    id_check(coordinator, community, member, agency_staff)
    with pytest.raises(PermissionDenied) as refused:
        record(community, member, [member], [agency_staff, learner], "g2")
    assert refused.value.message.startswith("A group activity in a public place needs")
    assert "Lee Learner has not had the check" in refused.value.message


def test_it_follows_the_listing_the_hours_are_for(
    community, rules, coordinator, member, agency_staff
):
    id_check(coordinator, community, member)  # the owner may post an in-person offer
    remote = listings_services.listing_create(
        actor=member,
        community=community,
        kind="offer",
        title="Phone calls",
        category="phone-calls",
        mode="remote",
    )
    group = listings_services.listing_create(
        actor=member,
        community=community,
        kind="offer",
        title="Knitting circle",
        category="knitting-and-crochet",
        is_group=True,
    )
    # Help by phone is no activity the rules describe; one person at a group class is the group's.
    assert record(community, agency_staff, [member], [agency_staff], "l1", listing_id=remote.pk)
    assert record(community, agency_staff, [member], [agency_staff], "l2", listing_id=group.pk)
    rules(vetting_group_activity=1)
    with pytest.raises(PermissionDenied) as refused:
        record(community, agency_staff, [member], [agency_staff], "l3", listing_id=group.pk)
    assert refused.value.message.startswith("A group activity in a public place needs")


def test_it_does_not_check_again_on_confirming(community, rules, coordinator, member, agency_staff):
    id_check(coordinator, community, member, agency_staff)
    exchange = record(community, member, [member], [agency_staff], "c1")
    # A failed check recorded afterwards does not stop the hours for help already checked and given.
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=agency_staff,
        kind=CheckKind.ID_SEEN,
        result=CheckResult.FAILED,
        checked_on=TODAY(),
    )
    assert (
        answers_services.exchange_confirm(actor=agency_staff, exchange=exchange).status
        == ExchangeStatus.CONFIRMED
    )


def test_it_gates_posting_and_changing_a_listing_by_what_it_offers(
    community, rules, coordinator, member
):
    def post(**values):
        return listings_services.listing_create(
            actor=member,
            community=community,
            kind="offer",
            title="Garden help",
            category="gardening",
            **values,
        )

    with pytest.raises(PermissionDenied) as refused:
        post()
    assert refused.value.code == "vetting_required"
    assert refused.value.message.startswith("One-to-one help in a public place needs")
    remote = post(mode="remote")
    assert not Listing.objects.exclude(pk=remote.pk).exists()
    with pytest.raises(PermissionDenied):
        listings_services.listing_update(actor=member, listing=remote, mode="in_person")
    remote.refresh_from_db()
    assert remote.mode == "remote"
    # Changing anything else about it is not what the rule is about.
    listings_services.listing_update(actor=member, listing=remote, title="Phone calls for a chat")
    id_check(coordinator, community, member)
    assert post().mode == "in_person"


def test_it_tells_a_coordinator_posting_for_a_member_where_they_stand(
    community, rules, coordinator, member
):
    with pytest.raises(PermissionDenied) as refused:
        listings_services.listing_create(
            actor=coordinator,
            owner=member,
            community=community,
            kind="request",
            title="Shelves",
            category="diy-and-small-repairs",
        )
    assert (
        "Mo Member has not had an ID check yet. Record the check on their member page"
        in refused.value.message
    )
    assert not Listing.objects.exists()
