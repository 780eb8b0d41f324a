"""`{% listing_facts %}` (web/templatetags/listings_web.py) writes out what the search page's
included template drew for each result: the same markup and sentences, character for
character, whatever the listing, the time zone or the language. TEMPLATE is that template."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines
from django.utils import timezone, translation

from coproduce.communities.models import Community, Person
from coproduce.exchanges.models import Category, Listing, ListingImage

TEMPLATE = """{% load i18n %}<ul class="listing-facts">
  <li><span class="tag">{{ listing.get_kind_display }}</span> <span class="tag">{{ listing.category.name }}</span></li>
  {% if listing.neighbourhood %}<li>{% blocktranslate with place=listing.neighbourhood %}Near {{ place }}{% endblocktranslate %}</li>{% endif %}
  {% if listing.distance_km or listing.distance_km == 0 %}<li>{% blocktranslate with km=listing.distance_km|floatformat:1 %}{{ km }} km away{% endblocktranslate %}</li>{% endif %}
  {% if show_owner %}<li>{% blocktranslate with name=listing.owner.display_name %}By {{ name }}{% endblocktranslate %}</li>{% endif %}
  <li>{% blocktranslate with posted=listing.created_at|date:"j M Y" until=listing.expires_at|date:"j M Y" %}Posted {{ posted }}, until {{ until }}{% endblocktranslate %}</li>
</ul>
"""  # noqa: E501 - the template as it was, line for line
TAG = "{% load listings_web %}{% listing_facts listing show_owner=show_owner %}"

UTC = dt.UTC
WHENS = [
    dt.datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
    dt.datetime(2026, 7, 31, 23, 30, tzinfo=UTC),  # 1 August in London (summer time)
    dt.datetime(2027, 3, 28, 0, 59, tzinfo=UTC),  # the night the clocks change
    dt.datetime(999, 1, 5, 12, 0, tzinfo=UTC),
]


def listings():
    owner = Person(full_name="Zoë <Owner> & Co", known_as="")
    for i, when in enumerate(WHENS):
        for neighbourhood, distance in (
            ("", None),
            ("Old Docks & <Mill>", 0.0),
            ("Docks", 2.345),
            ("", 12),
        ):
            listing = Listing(
                kind="offer" if i % 2 else "request",
                title="t",
                neighbourhood=neighbourhood,
                category=Category(name="DIY & <small> repairs"),
                owner=owner,
                created_at=when,
                expires_at=when + dt.timedelta(days=92 * (i + 1)),
            )
            if distance is not None or i == 1:
                listing.distance_km = distance
            yield listing


def both(listing, show_owner):
    engine = engines["django"]
    context = {"listing": listing, "show_owner": show_owner}
    return engine.from_string(TAG).render(context), engine.from_string(TEMPLATE).render(context)


@pytest.mark.parametrize("show_owner", [True, False])
@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Pacific/Kiritimati"])
def test_it_draws_what_the_template_drew(show_owner, zone):
    with timezone.override(zone):
        for listing in listings():
            tag, template = both(listing, show_owner)
            assert tag == template


def test_it_draws_what_the_template_drew_in_another_language():
    """Django's own catalogues name the months in German: both ways must ask them alike."""
    with translation.override("de"):
        for listing in listings():
            tag, template = both(listing, True)
            assert tag == template
            assert "Dez" in tag or "Aug" in tag or "Mär" in tag or "Jan" in tag


def test_it_escapes_what_people_wrote():
    listing = next(iter(listings()))
    listing.neighbourhood = "<script>alert(1)</script>"
    tag, _ = both(listing, True)
    assert "<script>" not in tag
    assert "&lt;script&gt;" in tag
    assert "Zoë &lt;Owner&gt; &amp; Co" in tag


RESULT = """{% load i18n listings_web %}<li{% if picture %} class="with-picture"{% endif %}>
    {% if picture %}<img class="result-picture" src="{% url 'web:listing_image_thumbnail' community.slug listing.pk picture.pk %}" width="96" height="96" alt="{{ picture.alt_text|default:_('A picture for this listing') }}" loading="lazy">{% endif %}
    <div>
    <h3><a href="{% url 'web:listing_detail' community.slug listing.pk %}">{{ listing.title }}</a></h3>
    {% listing_facts listing show_owner=True %}
    </div>
  </li>"""  # noqa: E501 - the search page's loop as it was, line for line
RESULT_TAG = "{% load listings_web %}{% listing_result listing picture %}"


def results():
    community = Community(name="Riverside", slug="river-side")
    pictures = [
        None,
        ListingImage(pk=3, alt_text=""),
        ListingImage(pk=4, alt_text='A "blue" <bike> & bell'),
    ]
    for n, listing in enumerate(listings()):
        listing.pk = 40 + n
        listing.title = ["Dog walks", 'Fix <b>bikes</b> & "more"', "Ça va"][n % 3]
        yield {"community": community, "listing": listing, "picture": pictures[n % 3]}


def test_it_draws_a_search_result_as_the_loop_drew_it():
    engine = engines["django"]
    for language in ("en-gb", "de"):
        with translation.override(language):
            for context in results():
                tag = engine.from_string(RESULT_TAG).render(context)
                assert tag == engine.from_string(RESULT).render(context)
                assert "<b>" not in tag


LOOP = "{% for listing, picture in rows %}" + RESULT.split("%}", 1)[1] + "{% endfor %}"
LOOP_TAG = "{% load listings_web %}{% for listing, picture in rows %}{% listing_result listing picture %}{% endfor %}"  # noqa: E501


@pytest.mark.parametrize("slug", ["river-side", "x918273645", "546372819-918273645"])
def test_a_page_of_results_fills_each_address_in(slug):
    """The tag reverses each address once per page with stand-in numbers and fills them in:
    a whole page drawn at once must match the loop, listing by listing, even when a slug holds
    a stand-in's digits."""
    contexts = list(results())
    rows = [(c["listing"], c["picture"]) for c in contexts]
    context = {"community": Community(name="R", slug=slug), "rows": rows}
    engine = engines["django"]
    tag = engine.from_string(LOOP_TAG).render(context)
    loop = engine.from_string("{% load i18n listings_web %}" + LOOP).render(context)
    assert tag == loop
    assert tag.count(f"/c/{slug}/") >= len(rows)
    for listing, picture in rows:
        assert f"/listings/{listing.pk}/" in tag
        if picture:
            assert f"/{listing.pk}/" in tag and f"/{picture.pk}/" in tag


def test_the_results_tag_draws_what_the_page_loop_drew():
    rows = [(c["listing"], c["picture"]) for c in results()]
    context = {"community": Community(name="R", slug="river-side"), "results": rows}
    loop = (
        "{% load listings_web %}  {% for listing, picture in results %}\n"
        "  {% listing_result listing picture %}\n  {% endfor %}\n"
    )
    tag = "{% load listings_web %}  {% listing_results results %}\n"
    engine = engines["django"]
    assert engine.from_string(tag).render(context) == engine.from_string(loop).render(context)
