"""The sign-in rules in `communities`: who must have a second factor, who may give a member a way
in, one name for one person, and one-time tokens that work once, until they expire."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities import access
from coproduce.communities.models import Role, SignInToken
from coproduce.communities.selectors import sign_in as sign_in_selectors
from coproduce.communities.selectors.sign_in import failed_sign_in_key, person_for_login
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import sign_in as sign_in_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.conftest import make_person
from tests.two_factor import set_up_totp

NEW_PASSWORD = "walnut-ferry-lantern-7"


@pytest.fixture
def dorothy(community):
    person = make_person(None, "Dorothy Evans", username="dorothy.evans")
    person.set_unusable_password()
    person.save(update_fields=["password"])
    return memberships_services.membership_add(actor=None, community=community, person=person)


def test_it_asks_coordinators_and_operators_for_a_second_factor(community, member, outsider):
    coordinator = make_person("c2@riverside.example", "Cy Coord")
    memberships_services.membership_add(
        actor=None, community=community, person=coordinator, roles=[Role.COORDINATOR]
    )
    operator = make_person("op@example.org", "Op", is_operator=True)
    exempt = make_person("demo@example.org", "Demo", is_operator=True, mfa_exempt=True)
    assert [
        access.second_factor_missing(p) for p in (member, outsider, coordinator, operator, exempt)
    ] == [False, False, True, True, False]
    set_up_totp(coordinator)
    assert not access.second_factor_missing(coordinator)


def test_it_counts_a_sign_in_complete_only_with_the_second_factor_when_there_is_one(member):
    assert access.sign_in_complete(member, ["password"])
    set_up_totp(member)
    assert not access.sign_in_complete(member, ["password"])
    assert not access.sign_in_complete(member, [])
    assert access.sign_in_complete(member, ["password", "mfa"])


def test_it_lets_only_her_coordinators_give_a_member_a_way_in(
    community,
    other_community,
    coordinator,
    member,
    agency_staff,
    outsider,
    other_member,
    dorothy,
    membership_of,
):
    access.access_give_sign_in(coordinator, community, dorothy)
    for person, error in [
        (member, PermissionDenied),
        (agency_staff, PermissionDenied),
        (outsider, NotFound),
        (other_member, NotFound),
    ]:
        with pytest.raises(error):
            access.access_give_sign_in(person, community, dorothy)
    # Not through another community's address, and not for someone who has left.
    with pytest.raises(NotFound):
        access.access_give_sign_in(
            coordinator, community, membership_of(other_member, other_community)
        )
    offboarding_services.member_offboard(
        actor=coordinator, membership=dorothy, reason="Moved away."
    )
    dorothy.refresh_from_db()
    with pytest.raises(NotFound):
        access.access_give_sign_in(coordinator, community, dorothy)


def test_it_reads_one_person_from_each_kind_of_name(community, member, dorothy):
    assert person_for_login("MEMBER@riverside.example") == member
    assert person_for_login(" riv-2 ") == dorothy.person
    assert person_for_login("Dorothy.Evans") == dorothy.person
    assert person_for_login("RIV-0099") is None
    assert person_for_login("x" * 255) is None
    assert (
        failed_sign_in_key("RIV-0002")
        == failed_sign_in_key("riv-02")
        == failed_sign_in_key(" Riv-2")
    )
    assert failed_sign_in_key("RIV-0002") != failed_sign_in_key("RIV-0003")


def test_it_makes_a_code_that_works_once(community, coordinator, dorothy):
    token, code = sign_in_services.sign_in_code_issue(
        actor=coordinator, community=community, membership=dorothy
    )
    assert (
        len(code) == 9
        and code[4] == "-"
        and set(code.replace("-", "")) <= set(sign_in_services.CODE_ALPHABET)
    )
    assert code.replace("-", "") not in token.secret_hash
    assert sign_in_selectors.sign_in_code_check(member_number="riv-2", code=code.lower()) == token
    person = sign_in_services.sign_in_token_redeem(token_id=token.pk, password=NEW_PASSWORD)
    assert person.check_password(NEW_PASSWORD)
    with pytest.raises(Conflict) as used:
        sign_in_selectors.sign_in_code_check(member_number="RIV-0002", code=code)
    assert used.value.code == "code_used"
    with pytest.raises(Conflict):
        sign_in_services.sign_in_token_redeem(token_id=token.pk, password=NEW_PASSWORD + "x")


def test_it_refuses_an_expired_code(community, coordinator, dorothy):
    token, code = sign_in_services.sign_in_code_issue(
        actor=coordinator, community=community, membership=dorothy
    )
    SignInToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    with pytest.raises(Conflict) as expired:
        sign_in_selectors.sign_in_code_check(member_number=dorothy.member_code, code=code)
    assert expired.value.code == "code_expired"
    with pytest.raises(Conflict):
        sign_in_services.sign_in_token_redeem(token_id=token.pk, password=NEW_PASSWORD)
    dorothy.person.refresh_from_db()
    assert not dorothy.person.has_usable_password()


def test_it_checks_the_password_rules_when_redeeming(community, coordinator, dorothy):
    token, _code = sign_in_services.sign_in_code_issue(
        actor=coordinator, community=community, membership=dorothy
    )
    with pytest.raises(ValidationFailed) as refused:
        sign_in_services.sign_in_token_redeem(token_id=token.pk, password="dorothy.evans")
    assert "password1" in refused.value.fields
    token.refresh_from_db()
    assert token.used_at is None


def test_it_retires_other_ways_in_once_one_is_used(community, coordinator, dorothy):
    link_token, _url = sign_in_services.sign_in_link_issue(
        actor=coordinator, person=dorothy.person, community=community
    )
    code_token, _code = sign_in_services.sign_in_code_issue(
        actor=coordinator, community=community, membership=dorothy
    )
    sign_in_services.sign_in_token_redeem(token_id=code_token.pk, password=NEW_PASSWORD)
    link_token.refresh_from_db()
    assert link_token.revoked_at is not None


def test_it_retires_a_leaving_members_ways_in(community, coordinator, dorothy):
    token, code = sign_in_services.sign_in_code_issue(
        actor=coordinator, community=community, membership=dorothy
    )
    offboarding_services.member_offboard(
        actor=coordinator, membership=dorothy, reason="Moved away."
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    with pytest.raises(ValidationFailed):  # her number no longer names an active member
        sign_in_selectors.sign_in_code_check(member_number=dorothy.member_code, code=code)
