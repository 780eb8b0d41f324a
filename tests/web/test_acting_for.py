from __future__ import annotations

from django.urls import reverse

from coproduce.communities.models import Gift
from coproduce.core.models import AuditEvent
from coproduce.web.middleware import ACTING_FOR_SESSION_KEY

from .conftest import text


def test_it_lets_a_coordinator_act_for_a_member_and_records_it(
    client, community, coordinator, member, number_of
):
    number = number_of(member, community)
    client.force_login(coordinator)
    response = client.post(reverse("web:acting_start", args=[community.slug, number]))
    assert response["Location"] == reverse("web:home")
    assert client.session[ACTING_FOR_SESSION_KEY] == member.memberships.get().pk
    assert AuditEvent.objects.filter(
        action="acting_for.start", actor=coordinator, on_behalf_of=member
    ).exists()

    home = client.get(reverse("web:home"))
    assert "You are acting for Mo Member" in text(home)
    assert "Hello, Mo Member" in text(home)
    details = client.get(reverse("web:profile_details"))
    assert 'value="07700 900001"' in details.content.decode()

    client.post(reverse("web:profile_gifts"), {"hands": "Gardening"})
    assert Gift.objects.get().person == member
    event = AuditEvent.objects.get(action="person.gift_profile")
    assert event.actor == coordinator and event.on_behalf_of == member

    client.post(reverse("web:profile_consent", args=["health"]), {"action": "give"})
    consent_event = AuditEvent.objects.get(action="consent.give")
    assert consent_event.on_behalf_of == member and consent_event.actor == coordinator

    stop = client.post(reverse("web:acting_stop"))
    assert stop["Location"] == reverse("web:member_detail", args=[community.slug, number])
    assert ACTING_FOR_SESSION_KEY not in client.session
    assert AuditEvent.objects.filter(action="acting_for.stop", on_behalf_of=member).exists()
    assert "You are acting for" not in text(client.get(reverse("web:home")))


def test_it_refuses_acting_for_to_members(client, community, member, agency_staff, number_of):
    client.force_login(member)
    response = client.post(
        reverse("web:acting_start", args=[community.slug, number_of(agency_staff, community)])
    )
    assert response.status_code == 403
    assert ACTING_FOR_SESSION_KEY not in client.session
    assert not AuditEvent.objects.filter(action="acting_for.start").exists()


def test_it_hides_the_member_from_other_communities(
    client, community, other_member, member, number_of
):
    client.force_login(other_member)
    response = client.post(
        reverse("web:acting_start", args=[community.slug, number_of(member, community)])
    )
    assert response.status_code == 404


def test_it_will_not_act_for_oneself(client, community, coordinator, number_of):
    client.force_login(coordinator)
    response = client.post(
        reverse("web:acting_start", args=[community.slug, number_of(coordinator, community)]),
        follow=True,
    )
    assert "You cannot act on behalf of yourself." in text(response)
    assert ACTING_FOR_SESSION_KEY not in client.session


def test_it_only_accepts_post(client, community, coordinator, member, number_of):
    client.force_login(coordinator)
    assert (
        client.get(
            reverse("web:acting_start", args=[community.slug, number_of(member, community)])
        ).status_code
        == 405
    )
    assert client.get(reverse("web:acting_stop")).status_code == 405
