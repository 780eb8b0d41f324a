"""One reading of a typed member number, shared by the desk, the register, referrals and the API."""

from __future__ import annotations

import pytest

from coproduce.communities.selectors.member_refs import member_number_in


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("RIV-0042", 42),
        ("riv-42", 42),
        (" 42 ", 42),
        (42, 42),
        ("HIL-0042", None),
        ("RIV-abc", None),
        ("RIV-", None),
        ("", None),
        ("Mo Member", None),
        ("1234567890", None),
        (True, None),
        (0, None),
    ],
)
def test_it_reads_a_member_number_of_this_community_only(community, text, number):
    assert member_number_in(community, text) == number
