from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors.rules import RULES, validate_rules
from coproduce.communities.services import communities as communities_services
from coproduce.core.errors import ValidationFailed


def test_it_versions_every_change_with_who_and_why(community, coordinator):
    assert communities_selectors.rulebook_current(community).number == 1
    version = communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"auto_confirm_days": 7},
        reason="Members asked for a week",
    )
    assert version.number == 2
    assert version.changed_by == coordinator
    assert communities_selectors.rules_for(community)["auto_confirm_days"] == 7
    # The old version is kept as it was.
    assert community.rulebook_versions.get(number=1).values["auto_confirm_days"] == 14


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"auto_confirm_days": 0}, "auto_confirm_days"),
        ({"auto_confirm_days": "soon"}, "auto_confirm_days"),
        ({"credit_floor_minutes": 60}, "credit_floor_minutes"),
        ({"group_exchange_payer": "mayor"}, "group_exchange_payer"),
        ({"no_such_rule": 1}, "no_such_rule"),
    ],
)
def test_it_rejects_bad_rule_values(community, coordinator, changes, field):
    with pytest.raises(ValidationFailed) as exc:
        communities_services.rulebook_change(
            actor=coordinator, community=community, changes=changes, reason="try"
        )
    assert field in exc.value.fields
    assert community.rulebook_versions.count() == 1


def test_it_needs_a_reason_and_a_real_change(community, coordinator):
    with pytest.raises(ValidationFailed):
        communities_services.rulebook_change(
            actor=coordinator, community=community, changes={"auto_confirm_days": 7}, reason=""
        )
    with pytest.raises(ValidationFailed):
        communities_services.rulebook_change(
            actor=coordinator, community=community, changes={"auto_confirm_days": 14}, reason="same"
        )
    assert community.rulebook_versions.count() == 1


INT_RULES = [r for r in RULES.values() if r.kind == "int"]


@given(
    rule=st.sampled_from(INT_RULES),
    value=st.one_of(
        st.integers(),
        st.text(alphabet="0123456789+-_ .e", max_size=6),
        st.text(max_size=5),
        st.none(),
        st.floats(),
    ),
)
def test_it_accepts_exactly_the_whole_numbers_within_bounds(rule, value):
    cleaned, errors = validate_rules({rule.key: value})
    ok = (
        (
            isinstance(value, int)
            and not isinstance(value, bool)
            and rule.minimum <= value <= rule.maximum
        )
        or (
            isinstance(value, str)
            and re.fullmatch(r"[+-]?[0-9]+", value.strip()) is not None
            and rule.minimum <= int(value) <= rule.maximum
        )
        or (
            isinstance(value, float)
            and value == value
            and value not in (float("inf"), float("-inf"))
            and value.is_integer()
            and rule.minimum <= int(value) <= rule.maximum
        )
    )
    assert (rule.key in cleaned) == ok, (value, cleaned, errors)
    assert (rule.key in errors) == (not ok)


# Every rule drives something (issue 12, part 3) -------------------------------------------------

# Families of rules read by a key built in code: f"vetting_{activity}", f"method_{kind}", ...
RULE_FAMILIES = ("vetting_", "method_", "ballot_", "change_")
# Rules that nothing reads yet, each with the reason a member would accept.
READ_BY_NOTHING_YET = {
    "replacement_hourly_rate_pence": "the impact figures (issue 14) will read it; it is an input "
    "measure and nothing else uses it",
}


def test_every_rule_is_read_by_the_code_it_is_meant_to_drive():
    """A rule that nothing reads would be a promise the software does not keep: each rule's key
    must appear in the code outside the rulebook's own definitions (the migrations, the demo and
    seeding do not count), or be built there from its family's prefix."""
    from pathlib import Path

    from coproduce.communities.selectors.rules import RULES

    root = Path(__file__).resolve().parents[2] / "coproduce"
    sources = [
        path.read_text()
        for path in root.rglob("*.py")
        if "migrations" not in path.parts and "ops" not in path.parts and path.name != "rules.py"
    ]
    unread = []
    for key in RULES:
        if key in READ_BY_NOTHING_YET:
            continue
        quoted = (f'"{key}"', f"'{key}'")
        family = next((p for p in RULE_FAMILIES if key.startswith(p)), None)
        built = family is not None and any(f'f"{family}{{' in text for text in sources)
        if not built and not any(q in text for q in quoted for text in sources):
            unread.append(key)
    assert unread == []
    assert set(READ_BY_NOTHING_YET) <= set(RULES)
