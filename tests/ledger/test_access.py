"""Who may read the ledger, with the standard people: an account, a transfer, a member's
statement, the fund's details."""

from __future__ import annotations

import pytest

from coproduce.core.errors import NotFound, PermissionDenied
from coproduce.ledger import access
from coproduce.ledger.services import accounts as account_services


def test_it_shows_an_account_to_its_holder_and_the_coordinators_only(
    community, other_community, member, coordinator, agency_staff, outsider, other_member, accounts
):
    access.access_account(member, community, accounts["member"])
    access.access_account(coordinator, community, accounts["member"])
    access.access_account(coordinator, community, accounts["fund"])
    for person, account in (
        (agency_staff, accounts["member"]),
        (member, accounts["fund"]),
        (outsider, accounts["member"]),
        (other_member, accounts["member"]),
    ):
        with pytest.raises(NotFound):
            access.access_account(person, community, account)
    elsewhere = account_services.member_account(other_community, other_member)
    with pytest.raises(NotFound):
        access.access_account(coordinator, community, elsewhere)


def test_it_shows_a_transfer_to_the_holders_it_moves_and_the_coordinators_only(
    community, member, coordinator, agency_staff, outsider, other_member, accounts, give
):
    transfer = give(community, coordinator, accounts["member"], accounts["coordinator"], 30)
    for person in (member, coordinator):
        access.access_transfer(person, community, transfer)
    for person in (agency_staff, outsider, other_member):
        with pytest.raises(NotFound):
            access.access_transfer(person, community, transfer)


def test_it_shows_a_members_statement_to_them_and_the_coordinators_only(
    community, member, coordinator, agency_staff, outsider, other_member, membership_of
):
    membership = membership_of(member, community)
    access.access_member_statement(member, community, membership)
    access.access_member_statement(coordinator, community, membership)
    with pytest.raises(PermissionDenied):
        access.access_member_statement(agency_staff, community, membership)
    for person in (outsider, other_member):
        with pytest.raises(NotFound):
            access.access_member_statement(person, community, membership)


def test_it_shows_who_gave_to_the_fund_and_why_to_the_coordinators_only(
    community, member, coordinator, agency_staff
):
    assert access.sees_fund_details(coordinator, community)
    assert not access.sees_fund_details(member, community)
    assert not access.sees_fund_details(agency_staff, community)
