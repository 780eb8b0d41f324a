from __future__ import annotations

import io
import json
import zipfile

from django.urls import reverse

from coproduce.communities.models import AccessToken, MembershipStatus
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import tokens as tokens_services
from coproduce.core.models import AuditEvent
from coproduce.core.tokens import secret_hash

from .conftest import text


def test_it_needs_sign_in(client, db):
    assert client.get(reverse("web:account")).status_code == 302


def test_it_shows_sign_in_methods(client, member):
    client.force_login(member)
    response = client.get(reverse("web:account"))
    assert response.status_code == 200
    body = response.content.decode()
    assert reverse("account_change_password") in body
    assert reverse("mfa_index") in body


def test_it_creates_a_token_and_shows_the_secret_once(client, community, member):
    client.force_login(member)
    response = client.post(
        reverse("web:token_create"),
        {"token-name": "Spreadsheet", "token-community": str(community.pk)},
    )
    token = AccessToken.objects.get(person=member)
    assert response["Location"] == reverse("web:token_created", args=[token.pk])
    shown = client.get(response["Location"])
    secret = shown.context["secret"]
    assert secret in shown.content.decode()
    assert token.token_hash == secret_hash(secret)
    assert token.community == community
    assert "no-store" in shown["Cache-Control"]
    # Refreshing the page shows the secret no more, and makes no second token.
    again = client.get(response["Location"], follow=True)
    assert secret not in again.content.decode()
    assert "A token's secret is shown only once" in text(again)
    assert AccessToken.objects.filter(person=member).count() == 1
    listing = client.get(reverse("web:account"))
    assert "Spreadsheet" in text(listing)
    assert secret not in listing.content.decode()


def test_it_needs_a_token_name(client, member):
    client.force_login(member)
    response = client.post(reverse("web:token_create"), {"token-name": " ", "token-community": ""})
    assert response.status_code == 400
    assert "Name the token so you can recognise it later." in text(response)
    assert not AccessToken.objects.exists()


def test_it_refuses_a_token_for_a_community_the_person_is_not_in(client, member, other_community):
    client.force_login(member)
    response = client.post(
        reverse("web:token_create"), {"token-name": "X", "token-community": str(other_community.pk)}
    )
    assert response.status_code == 400
    assert "Choose one of your communities." in text(response)
    assert not AccessToken.objects.exists()


def test_it_revokes_a_token(client, member):
    token, _secret = tokens_services.token_create(actor=member, person=member, name="Old")
    client.force_login(member)
    response = client.post(reverse("web:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    again = client.post(reverse("web:token_revoke", args=[token.pk]), follow=True)
    assert "already revoked" in text(again)


def test_it_hides_other_peoples_tokens(client, member, other_member):
    token, _secret = tokens_services.token_create(
        actor=other_member, person=other_member, name="Theirs"
    )
    client.force_login(member)
    assert client.post(reverse("web:token_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_it_downloads_my_data(client, member):
    client.force_login(member)
    response = client.get(reverse("web:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("my-data.json"))
    assert data["profile"]["email"] == member.email


def test_it_asks_for_confirmation_before_leaving(client, community, member):
    client.force_login(member)
    response = client.get(reverse("web:leave", args=[community.slug]))
    assert response.status_code == 200
    page = text(response)
    assert "Yes, leave Riverside" in page
    assert "This is your only community" in page
    assert member.memberships.get().status == MembershipStatus.ACTIVE


def test_it_needs_a_reason_to_leave(client, community, member):
    client.force_login(member)
    response = client.post(reverse("web:leave", args=[community.slug]), {"reason": ""})
    assert response.status_code == 400
    assert "Tell us why you are leaving." in text(response)
    assert member.memberships.get().status == MembershipStatus.ACTIVE


def test_it_lets_a_member_leave(client, community, other_community, member):
    memberships_services.membership_add(actor=None, community=other_community, person=member)
    client.force_login(member)
    response = client.post(reverse("web:leave", args=[community.slug]), {"reason": "Moving away."})
    assert response["Location"] == reverse("web:home")
    assert member.memberships.get(community=community).status == MembershipStatus.ARCHIVED
    assert AuditEvent.objects.filter(action="membership.archive", actor=member).exists()


def test_it_signs_out_someone_who_leaves_their_only_community(client, community, member):
    client.force_login(member)
    response = client.post(reverse("web:leave", args=[community.slug]), {"reason": "Moving away."})
    assert response["Location"] == reverse("web:index")
    member.refresh_from_db()
    assert member.pseudonymised_at is not None
    assert client.get(reverse("web:home")).status_code == 302


def test_it_keeps_the_last_coordinator(client, community, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("web:leave", args=[community.slug]), {"reason": "Tired."})
    assert response.status_code == 400
    assert "A community needs at least one coordinator" in text(response)
    assert coordinator.memberships.get().status == MembershipStatus.ACTIVE


def test_it_gives_404_for_leaving_a_community_one_is_not_in(client, outsider, community):
    client.force_login(outsider)
    assert client.get(reverse("web:leave", args=[community.slug])).status_code == 404
