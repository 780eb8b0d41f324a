from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.core.errors import NotFound
from coproduce.exchanges.models import Listing
from coproduce.exchanges.selectors import matching
from coproduce.exchanges.services import listings as listings_services
from tests.conftest import make_person

from .matching_pairs import build_labelled, recall_at


def member(community, name):
    person = make_person(None, name)
    memberships_services.membership_add(actor=None, community=community, person=person)
    return person


def post(community, owner, kind, category, title, description="", **kw):
    return listings_services.listing_create(
        actor=owner,
        community=community,
        kind=kind,
        category=category,
        title=title,
        description=description,
        expires_at=timezone.now() + dt.timedelta(days=60),
        **kw,
    )


@pytest.fixture
def labelled(community):
    return build_labelled(community)


def test_it_finds_the_good_offer_in_the_top_ten_for_most_requests(labelled, coordinator, settings):
    settings.COPRODUCE_MATCHER = "lexical"  # the lexical matcher's own figures, extra or not
    assert len(labelled) >= 100
    recall10 = recall_at(labelled, coordinator, 10)
    recall1 = recall_at(labelled, coordinator, 1)
    print(
        f"lexical matcher: recall@1 {recall1:.2f}, recall@10 {recall10:.2f} over {len(labelled)} "
        "requests"
    )
    assert recall10 >= 0.9
    assert recall1 >= 0.5


def test_it_explains_a_match_in_plain_words(community, coordinator):
    gardener = member(community, "Gardener")
    asker = member(community, "Asker")
    offer = post(
        community,
        gardener,
        "offer",
        "gardening",
        "Weeding and pruning",
        availability=["tue-am", "fri-pm"],
        lat=51.5000,
        lng=-0.1200,
    )
    request = post(
        community,
        asker,
        "request",
        "gardening",
        "Help with weeding",
        availability=["tue-am"],
        lat=51.5070,
        lng=-0.1200,
    )
    [match] = matching.matches_for(request, coordinator)
    assert match.listing == offer
    assert match.reasons[0] == "gardening"
    assert "0.8 km away" in match.reasons
    assert "both free Tuesday mornings" in match.reasons


def test_it_matches_both_ways_and_never_the_same_owner(community, coordinator):
    person = member(community, "Both Ways")
    other = member(community, "Other")
    own_offer = post(community, person, "offer", "gardening", "Weeding")
    request = post(community, person, "request", "gardening", "Weeding please")
    offer = post(community, other, "offer", "gardening", "Weeding for you")
    assert [m.listing for m in matching.matches_for(request, coordinator)] == [offer]
    assert [m.listing for m in matching.matches_for(offer, coordinator)] == [request]
    assert own_offer not in [m.listing for m in matching.matches_for(request, coordinator)]


def test_it_leaves_out_closed_and_expired_listings(community, coordinator):
    a, b, c = member(community, "A"), member(community, "B"), member(community, "C")
    request = post(community, a, "request", "gardening", "Weeding please")
    closed = post(community, b, "offer", "gardening", "Weeding")
    listings_services.listing_close(actor=b, listing=closed)
    expired = post(community, c, "offer", "gardening", "Weeding too")
    Listing.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    assert matching.matches_for(request, coordinator) == []


# People whose gifts fit ----------------------------------------------------------------------


def with_gifts(community, name, *gifts, email=None, **extra):
    person = make_person(email, name, **extra)
    memberships_services.membership_add(actor=None, community=community, person=person)
    profiles_services.gift_profile_update(actor=person, person=person, gifts=list(gifts))
    return person


@pytest.fixture
def laptop_request(community, member):
    return post(
        community,
        member,
        "request",
        "computer-help",
        "Help with my laptop",
        "It will not connect to the printer.",
        neighbourhood="Docks",
    )


def test_it_finds_people_whose_gifts_fit_a_request(community, member, laptop_request):
    fixer = with_gifts(
        community,
        "Fay Fixer",
        ("hands", "Fixing laptops and printers"),
        ("heart", "Dogs"),
        neighbourhood="Docks",
        phone="07700 900123",
    )
    teacher = with_gifts(community, "Ted Teacher", ("teach", "Laptop basics for beginners"))
    with_gifts(community, "Gus Gardener", ("hands", "Gardening"))
    with_gifts(
        community, "Pat Printer", ("hands", "Printer ink refills")
    )  # shares only a word of the details
    offering = with_gifts(community, "Olly Offering", ("hands", "Laptop repairs"))
    post(
        community, offering, "offer", "computer-help", "Computer help"
    )  # among the matches already
    found = matching.people_for(laptop_request, member)
    assert [p.person for p in found] == [fixer, teacher]
    assert [p.score for p in found] == [
        pytest.approx(0.602, abs=1e-9),
        pytest.approx(0.4, abs=1e-9),
    ]
    assert found[0].reasons == [
        'their gifts include "Fixing laptops and printers"',
        "also in Docks",
    ]
    assert found[1].reasons == [
        'their gifts include "Laptop basics for beginners"',
        "willing to teach",
    ]
    assert found[0].member_number == fixer.memberships.get().number
    assert "07700" not in repr(found[0].reasons)


def test_it_leaves_out_people_gone_blocked_or_elsewhere(
    community, other_community, member, coordinator, laptop_request
):
    from coproduce.messaging.services import blocks as blocks_services

    left = with_gifts(community, "Lee Left", ("hands", "Laptops"))
    offboarding_services.member_offboard(
        actor=coordinator,
        membership=left.memberships.get(),
        reason="Moved away",
        pseudonymise=False,
    )
    blocked = with_gifts(community, "Bea Blocked", ("hands", "Laptops"))
    blocks_services.member_block(actor=member, community=community, person=blocked)
    elsewhere = make_person(None, "Hal Hillside")
    memberships_services.membership_add(actor=None, community=other_community, person=elsewhere)
    profiles_services.gift_profile_update(
        actor=elsewhere, person=elsewhere, gifts=[("hands", "Laptops")]
    )
    profiles_services.gift_profile_update(actor=member, person=member, gifts=[("hands", "Laptops")])
    with_gifts(community, "Sam Stays", ("hands", "Laptops"))
    assert [p.person.display_name for p in matching.people_for(laptop_request, member)] == [
        "Sam Stays"
    ]
    # a coordinator blocked nobody; never the asker, one who left, nor another community's member
    assert [p.person.display_name for p in matching.people_for(laptop_request, coordinator)] == [
        "Bea Blocked",
        "Sam Stays",
    ]


def test_it_shows_people_only_for_requests_and_to_members(
    community, member, other_member, coordinator, laptop_request
):
    with_gifts(community, "Fay Fixer", ("hands", "Fixing laptops"))
    offer = post(community, member, "offer", "computer-help", "Laptop help")
    assert matching.people_for(offer, member) == []  # a gift profile records no needs
    public = post(
        community, member, "request", "computer-help", "Laptop trouble", visibility="public"
    )
    assert [p.person.display_name for p in matching.people_for(public, coordinator)] == [
        "Fay Fixer"
    ]
    assert matching.people_for(public, other_member) == []  # may see the listing, not the directory
    with pytest.raises(NotFound):
        matching.people_for(laptop_request, other_member)


def test_it_shows_people_whose_gifts_fit_on_the_listing_page(
    client, community, member, laptop_request
):
    from django.urls import reverse

    fixer = with_gifts(
        community,
        "Fay Fixer",
        ("hands", "Fixing <b>laptops</b>"),
        phone="07700 900123",
        email="fay@example.org",
    )
    number = fixer.memberships.get().number
    client.force_login(member)
    page = client.get(
        reverse("web:listing_detail", args=[community.slug, laptop_request.pk])
    ).content.decode()
    assert "People whose gifts fit" in page
    assert reverse("web:member_detail", args=[community.slug, number]) in page
    assert (
        f"{reverse('web:conversation_new', args=[community.slug, number])}"
        f"?listing={laptop_request.pk}" in page
    )
    assert "Fixing &lt;b&gt;laptops&lt;/b&gt;" in page and "<b>laptops" not in page
    assert "07700" not in page and "fay@example.org" not in page


def test_it_lists_people_in_the_api_matches(
    client, community, member, other_member, laptop_request
):
    from tests.api.conftest import bearer

    fixer = with_gifts(
        community,
        "Fay Fixer",
        ("hands", "Fixing laptops"),
        phone="07700 900123",
        email="fay@example.org",
    )
    url = f"/api/v1/communities/{community.slug}/listings/{laptop_request.pk}/matches"
    body = client.get(url, headers=bearer(member)).json()
    assert body["people"] == [
        {
            "member_number": fixer.memberships.get().number,
            "display_name": "Fay Fixer",
            "score": 0.3,
            "reasons": ['their gifts include "Fixing laptops"'],
        }
    ]
    assert "07700" not in str(body) and "fay@example.org" not in str(body)
    assert client.get(url, headers=bearer(other_member)).status_code == 404
