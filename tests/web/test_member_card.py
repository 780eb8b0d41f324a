from __future__ import annotations

from django.urls import reverse

from .conftest import text


def card_url(community, person):
    return reverse(
        "web:member_card", args=[community.slug, person.memberships.get(community=community).number]
    )


def test_it_shows_a_member_their_own_card_with_a_qr_code(client, community, member):
    client.force_login(member)
    response = client.get(card_url(community, member))
    assert response.status_code == 200
    body = response.content.decode()
    code = member.memberships.get().member_code
    assert code in body and "Riverside" in body and "Mo Member" in body
    assert "<svg" in body and f'aria-label="QR code for member number {code}"' in body
    assert "data-print" in body and "Print this card" in text(response)
    assert "style=" not in body  # nothing the Content-Security-Policy would block


def test_it_shows_coordinators_any_card(client, community, coordinator, member):
    client.force_login(coordinator)
    assert client.get(card_url(community, member)).status_code == 200


def test_it_refuses_other_members(client, community, member, agency_staff):
    client.force_login(agency_staff)
    assert client.get(card_url(community, member)).status_code == 403


def test_it_encodes_the_community_and_member_code(client, community, member, monkeypatch):
    import qrcode

    encoded = []
    real_make = qrcode.make

    def spy(data, **kwargs):
        encoded.append(data)
        return real_make(data, **kwargs)

    monkeypatch.setattr("coproduce.web.templatetags.coproduce_web.qrcode.make", spy)
    client.force_login(member)
    client.get(card_url(community, member))
    assert encoded == [f"coproduce:riverside:{member.memberships.get().member_code}"]
