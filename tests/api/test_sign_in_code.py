"""POST /communities/{slug}/members/{number}/sign-in-code: a sign-in letter's code, for
coordinators."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.communities.models import Role, SignInToken
from coproduce.communities.selectors import sign_in
from coproduce.communities.services import memberships as memberships_services
from tests.conftest import make_person

from .conftest import assert_error, bearer


@pytest.fixture
def dorothy(community):
    person = make_person(None, "Dorothy Evans", phone="01632 960 005")
    return memberships_services.membership_add(actor=None, community=community, person=person)


def url(membership, slug="riverside"):
    return f"/api/v1/communities/{slug}/members/{membership.number}/sign-in-code"


def test_it_gives_a_coordinator_the_code_and_its_expiry(client, community, coordinator, dorothy):
    response = client.post(url(dorothy), headers=bearer(coordinator))
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"member_code", "code", "expires_at", "sign_in_url"}
    assert body["member_code"] == dorothy.member_code
    assert body["sign_in_url"].endswith(reverse("web:sign_in_code"))
    token = sign_in.sign_in_code_check(member_number=body["member_code"], code=body["code"])
    assert token.person == dorothy.person
    assert token.expires_at.isoformat().startswith(body["expires_at"][:16])
    assert body["code"] not in str(SignInToken.objects.values_list("secret_hash", flat=True))


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [
        ("member", 403, "coordinators_only"),
        ("agency_staff", 403, "coordinators_only"),
        ("outsider", 404, "not_found"),
        ("other_member", 404, "not_found"),
    ],
)
def test_it_refuses_everyone_else_in_the_one_error_format(
    client, community, dorothy, who, status, code, request
):
    assert_error(
        client.post(url(dorothy), headers=bearer(request.getfixturevalue(who))), status, code
    )
    assert not SignInToken.objects.exists()


def test_it_keeps_coordinators_accounts_to_themselves(
    client, community, coordinator, membership_of
):
    other = make_person("coord2@riverside.example", "Second Coordinator", mfa_exempt=True)
    membership = memberships_services.membership_add(
        actor=None, community=community, person=other, roles=[Role.COORDINATOR]
    )
    assert_error(
        client.post(url(membership), headers=bearer(coordinator)), 403, "sign_in_protected"
    )
    assert_error(
        client.post(url(membership_of(coordinator, community)), headers=bearer(coordinator)),
        403,
        "own_account",
    )
    assert not SignInToken.objects.exists()


def test_it_answers_404_for_no_such_member(client, community, coordinator):
    response = client.post(
        "/api/v1/communities/riverside/members/999/sign-in-code", headers=bearer(coordinator)
    )
    assert_error(response, 404, "not_found")
