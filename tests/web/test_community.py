from __future__ import annotations

from django.urls import reverse

from coproduce.communities.models import Role, RulebookVersion
from coproduce.communities.selectors.rules import default_rules
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services

from .conftest import text


def rules_post(**overrides):
    """The form with the rules the test community has (the founding rules but `TEST_RULES`)."""
    data = {
        "credit_floor_minutes": "-600",
        "credit_ceiling_minutes": "",
        "auto_confirm_days": "14",
        "max_minutes_per_exchange": "480",
        "replacement_hourly_rate_pence": "1200",
        "group_exchange_payer": "split",
        "references_required": "1",
        "vetting_group_activity": "0",
        "vetting_one_to_one": "0",
        "vetting_home_visit": "2",
        "broker_unanswered_days": "7",
        "credits_per_hour_percent": "100",
        "session_credits_from": "agency",
        "partner_credits_go": "keep",
        "reason": "Agreed at the members' meeting.",
    }
    # The rules added since (governance's), at their defaults, as the page shows them.
    data.update({k: str(v) for k, v in default_rules().items() if k not in data})
    data.update(overrides)
    return data


def test_it_shows_the_community_and_its_rules_to_members(client, community, member):
    client.force_login(member)
    response = client.get(reverse("web:community", args=[community.slug]))
    assert response.status_code == 200
    page = text(response)
    assert "Riverside ward" in page
    assert "Credit floor" in page and "-600 minutes (-10h)" in page
    assert "No limit" in page
    assert reverse("web:member_directory", args=[community.slug]) in response.content.decode()
    assert reverse("web:rulebook", args=[community.slug]) in response.content.decode()


def test_it_hides_the_community_from_outsiders(client, community, outsider, other_member):
    for person in (outsider, other_member):
        client.force_login(person)
        assert client.get(reverse("web:community", args=[community.slug])).status_code == 404
        assert client.get(reverse("web:rulebook", args=[community.slug])).status_code == 404


def test_it_shows_the_rulebook_history_with_who_when_why_and_what(
    client, community, coordinator, member
):
    communities_services.rulebook_change(
        actor=coordinator,
        community=community,
        changes={"auto_confirm_days": 7},
        reason="Members asked for quicker confirmation.",
    )
    client.force_login(member)
    response = client.get(reverse("web:rulebook", args=[community.slug]))
    page = text(response)
    assert "Version 2" in page and "Version 1" in page
    assert "Cora Coordinator" in page
    assert "Members asked for quicker confirmation." in page
    assert "Auto-confirm delay 14 days 7 days" in page
    assert "Adopt the new rules" not in page  # members do not get the form


def test_it_lets_a_coordinator_change_the_rules(client, community, coordinator):
    client.force_login(coordinator)
    assert "Adopt the new rules" in text(client.get(reverse("web:rulebook", args=[community.slug])))
    response = client.post(
        reverse("web:rulebook", args=[community.slug]), rules_post(references_required="2")
    )
    assert response.status_code == 302
    version = RulebookVersion.objects.get(community=community, number=2)
    assert version.values["references_required"] == 2
    assert version.changed_by == coordinator


def test_it_lets_a_steward_change_the_rules(client, community, member):
    memberships_services.role_set(
        actor=None, membership=member.memberships.get(), role=Role.STEWARD, granted=True
    )
    client.force_login(member)
    response = client.post(
        reverse("web:rulebook", args=[community.slug]), rules_post(auto_confirm_days="10")
    )
    assert response.status_code == 302
    assert RulebookVersion.objects.filter(community=community).count() == 2


def test_it_refuses_rule_changes_from_members(client, community, member, agency_staff):
    for person in (member, agency_staff):
        client.force_login(person)
        response = client.post(
            reverse("web:rulebook", args=[community.slug]), rules_post(references_required="0")
        )
        assert response.status_code == 403
        assert "Only coordinators and stewards can change the rulebook." in text(response)
    assert RulebookVersion.objects.filter(community=community).count() == 1


def test_it_needs_a_reason_and_values_in_range(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:rulebook", args=[community.slug]),
        rules_post(references_required="9", reason=""),
    )
    assert response.status_code == 400
    page = text(response)
    assert "Say why the rules are changing." in page
    response = client.post(
        reverse("web:rulebook", args=[community.slug]), rules_post(references_required="9")
    )
    assert "Must be at most 5." in text(response)
    assert RulebookVersion.objects.filter(community=community).count() == 1


def test_it_says_when_nothing_would_change(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("web:rulebook", args=[community.slug]), rules_post())
    assert response.status_code == 400
    assert "Nothing would change" in text(response)
    assert RulebookVersion.objects.filter(community=community).count() == 1
