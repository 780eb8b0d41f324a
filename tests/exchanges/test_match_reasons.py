"""The reasons a match is suggested, as the listing page and the API show them: plain words,
never an empty word or stray punctuation ("mentions , both in Docks" was seen)."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.exchanges.models import Category, Listing
from coproduce.exchanges.selectors import matching as matching_selectors
from coproduce.exchanges.selectors import semantic as semantic_selectors
from coproduce.exchanges.services import listings as listings_services

from ..web.conftest import text


def post(community, owner, kind, category, title, **kw):
    return listings_services.listing_create(
        actor=owner,
        community=community,
        kind=kind,
        category=category,
        title=title,
        expires_at=timezone.now() + dt.timedelta(days=60),
        **kw,
    )


# A reason is words, or words, a comma or a colon, and more words; never a dangling one.
_BAD = [
    re.compile(r"^\s|\s$"),  # leading or trailing space
    re.compile(r"\s{2}"),  # a double space: an empty word between two
    re.compile(r"\s[,.:;]"),  # a space before punctuation: "mentions , both"
    re.compile(r"[,:;]\s*(?:[,.:;]|$)"),  # punctuation with nothing after it
    re.compile(r"\b(?:mentions|include|in|wording|both free|and)\s*$"),  # a phrase missing its word
    re.compile(r'""|\(\s*\)'),  # an empty quotation or bracket
]


def assert_plain(reason: str) -> None:
    assert isinstance(reason, str) and reason.strip(), repr(reason)
    for bad in _BAD:
        assert not bad.search(reason), (bad.pattern, reason)


def test_it_names_the_shared_word_when_it_is_only_in_the_category(
    client, community, member, agency_staff
):
    # Seen: "mentions , both in Docks". The words the two listings share can come from the
    # category's name, which the reason did not look at, so it had no word to show.
    request = post(
        community,
        member,
        "request",
        "pet-care",
        "Walking my dog in the garden",
        neighbourhood="Docks",
    )
    offer = post(
        community,
        agency_staff,
        "offer",
        "gardening",
        "Weekend help",
        description="Happy to help out.",
        neighbourhood="Docks",
    )
    [match] = matching_selectors.matches_for(request, member)
    assert match.listing == offer
    assert match.reasons == ["mentions gardening", "both in Docks"]
    client.force_login(member)
    page = text(client.get(reverse("web:listing_detail", args=[community.slug, request.pk])))
    assert "mentions gardening, both in Docks" in page
    assert "mentions ," not in page


WORDS = [
    "garden",
    "gardening",
    "gardener",
    "weeding",
    "dog",
    "dogs",
    "walking",
    "walks",
    "laptop",
    "laptops",
    "computer",
    "help",
    "the",
    "and",
    "a",
    "to",
    "others",
    "other",
    "needs",
    "meals",
    "cooking",
    "care",
    "pet",
    "lifts",
    "hospital",
    "x",
    "ok",
    "garden,",
    "(help)",
    "dog-walking",
    "e-mail",
    "café",
    "2",
    "don't",
    "...",
    "-",
    "GARDEN",
    "Gärten",
]
CATEGORIES = [
    "gardening",
    "pet-care",
    "walks-and-outings",
    "cooking-and-meals",
    "computer-help",
    "lifts-to-appointments",
    "accompanying-to-hospital",
    "diy-and-small-repairs",
]
NEIGHBOURHOODS = ["", "Docks", "Old Docks", "St. Anne's", "docks"]
phrases = st.lists(st.sampled_from(WORDS), min_size=0, max_size=8).map(" ".join)
listing_values = st.fixed_dictionaries(
    {
        "category": st.sampled_from(CATEGORIES),
        "title": st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(" ".join),
        "description": phrases,
        "tags": st.lists(
            st.sampled_from(["garden", "dogs", "laptop", "meals", "care", "e-mail", "x1"]),
            max_size=3,
        ),
        "neighbourhood": st.sampled_from(NEIGHBOURHOODS),
        "availability": st.lists(st.sampled_from(AVAILABILITY_SLOTS[:6]), max_size=3),
        "mode": st.sampled_from(["in_person", "remote"]),
        "point": st.sampled_from([None, (51.5, -0.12), (51.507, -0.12)]),
    }
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mine=listing_values, theirs=st.lists(listing_values, min_size=1, max_size=2))
def test_no_reason_has_an_empty_word_or_stray_punctuation(
    community, member, agency_staff, mine, theirs
):
    made = []
    try:
        made.append(_post(community, member, "request", mine))
        made += [_post(community, agency_staff, "offer", values) for values in theirs]
        for listing in made:
            for match in matching_selectors.matches_for(listing, member):
                for reason in match.reasons:
                    assert_plain(reason)
                assert_plain(matching_selectors.match_summary(match))
    finally:
        Listing.objects.filter(pk__in=[listing.pk for listing in made]).delete()


def _post(community, owner, kind, values):
    values = dict(values)
    point = values.pop("point")
    if point:
        values["lat"], values["lng"] = point
    return post(
        community,
        owner,
        kind,
        Category.objects.get(community=None, slug=values.pop("category")).slug,
        values.pop("title"),
        **values,
    )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(mine=listing_values, theirs=listing_values, cosine=st.floats(min_value=-1, max_value=1))
def test_no_semantic_reason_has_an_empty_word(
    community, member, agency_staff, monkeypatch, mine, theirs, cosine
):
    # The semantic matcher's text reason ("similar wording: …"), with a stored similarity made up
    # here so the test needs no model.
    made = [
        _post(community, member, "request", mine),
        _post(community, agency_staff, "offer", theirs),
    ]
    monkeypatch.setattr(semantic_selectors, "enabled", lambda: True)
    monkeypatch.setattr(semantic_selectors, "vector_of", lambda listing: object())
    monkeypatch.setattr(
        semantic_selectors, "similarities", lambda *args, **kw: ({made[1].pk: cosine}, [made[1].pk])
    )
    try:
        for match in matching_selectors.matches_for(made[0], member):
            for reason in match.reasons:
                assert_plain(reason)
    finally:
        Listing.objects.filter(pk__in=[listing.pk for listing in made]).delete()
