"""One member-reference reader and one member-code writer for both faces (selectors/member_refs.py,
directory.member_by_reference)."""

from __future__ import annotations

import pytest

from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import offboarding as offboarding_services
from tests.conftest import make_person

MemberRefRefused = member_refs_selectors.MemberRefRefused


def test_it_writes_a_member_code_from_a_community_or_a_prefix(community):
    assert member_refs_selectors.member_code(community, 42) == "RIV-0042"
    assert member_refs_selectors.member_code("HIL", 7) == "HIL-0007"
    assert member_refs_selectors.member_code("RIV", 12345) == "RIV-12345"


def test_it_writes_what_the_membership_shows(community, member, membership_of):
    membership = membership_of(member, community)
    assert membership.member_code == member_refs_selectors.member_code(community, membership.number)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("RIV-0042", 42),
        ("riv-42", 42),
        (" 42 ", 42),
        ("Mo Member (RIV-0042)", 42),
        ("Mo Member", "Mo Member"),
        ("  Mo  ", "Mo"),
    ],
)
def test_it_reads_a_number_or_a_name_on_the_web(community, text, ref):
    assert member_refs_selectors.parse_member_ref(community, text) == ref


def test_it_refuses_another_communitys_number(community):
    with pytest.raises(MemberRefRefused) as caught:
        member_refs_selectors.parse_member_ref(community, "Hana (hil-0003)")
    assert caught.value.message == "HIL-0003 is not a member number in Riverside."
    assert caught.value.code == "unknown_member"


@pytest.mark.parametrize("text", ["1234567890", "٤٢"])
def test_it_refuses_digits_no_member_number_has(community, text):
    with pytest.raises(MemberRefRefused) as caught:
        member_refs_selectors.parse_member_ref(community, text)
    assert caught.value.message == f"There is no member number {text} in Riverside."


def test_it_finds_the_member_a_reference_names(community, member, membership_of):
    membership = membership_of(member, community)
    for text in (membership.member_code, str(membership.number), "Mo Member", "mo member"):
        assert directory_selectors.member_by_reference(community, text).pk == membership.pk


def test_it_says_when_no_member_has_the_number(community, member):
    with pytest.raises(MemberRefRefused) as caught:
        directory_selectors.member_by_reference(community, "RIV-0999")
    assert caught.value.message == "There is no member number RIV-0999 in Riverside."


def test_it_says_when_the_member_has_left(community, coordinator, member, membership_of):
    membership = membership_of(member, community)
    offboarding_services.member_offboard(
        actor=coordinator, membership=membership, reason="Moved away.", pseudonymise=False
    )
    with pytest.raises(MemberRefRefused) as caught:
        directory_selectors.member_by_reference(community, membership.member_code)
    assert caught.value.message == f"{membership.member_code} is no longer an active member."


def test_it_says_when_no_name_matches(community, member):
    with pytest.raises(MemberRefRefused) as caught:
        directory_selectors.member_by_reference(community, "Nobody")
    assert "No member of Riverside is called “Nobody”" in caught.value.message


def test_it_lists_the_members_a_name_could_be(community, member):
    other = make_person("mo2@riverside.example", "Mo Other")
    memberships_services.membership_add(actor=None, community=community, person=other)
    with pytest.raises(MemberRefRefused) as caught:
        directory_selectors.member_by_reference(community, "Mo")
    assert caught.value.message.startswith("Several members match “Mo”: ")
    assert "RIV-" in caught.value.message
