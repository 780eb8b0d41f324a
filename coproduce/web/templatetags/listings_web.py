"""A listing's facts as the search page and "My offers and requests" show them under its title.

Written here rather than as an included template: the search page shows 20 results, and the
template (an include with four {% blocktranslate %} and two |date filters each) took about a
fifth of the page's time, more than the search itself (docs/benchmarks.md, "Render cost").
The markup and the sentences are the template's, character for character
(tests/web/test_listing_facts.py renders both and compares); the sentences keep their msgids,
so translations find them in this file."""

from __future__ import annotations

import datetime as dt

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import is_aware, localtime
from django.utils.translation import get_language, gettext

register = template.Library()


def _fill(context, translated: str, **values) -> str:
    """`{% blocktranslate with name=value %}…{% endblocktranslate %}`: the translation as
    written, the values escaped."""
    return translated % {
        name: render_value_in_context(value, context) for name, value in values.items()
    }


def _day(value) -> str:
    """`value|date:"j M Y"` (3 Dec 2026), without the filter's DateFormat (half of this tag's
    time when it was used): the day, the month's abbreviation as Django's "M" gives it, the year."""
    if isinstance(value, dt.datetime) and is_aware(value):
        value = localtime(value)  # as templates show times: in the current time zone
    return f"{value.day} {MONTHS_3[value.month].title()} {value.year:04d}"


def _translated(context, listing) -> dict[str, str]:
    """The sentences (and the kind's name) in the current language, looked up once per page
    rather than once per listing: a miss walks Django's whole chain of catalogues (seven deep
    in English), and the search page asks for four sentences for each of its 20 results."""
    cache = context.render_context.get(_SENTENCES)
    language = get_language()
    if cache is None or cache["language"] != language:
        cache = {
            "language": language,
            "near": gettext("Near %(place)s"),
            "away": gettext("%(km)s km away"),
            "by": gettext("By %(name)s"),
            "posted": gettext("Posted %(posted)s, until %(until)s"),
        }
        context.render_context[_SENTENCES] = cache
    kind = "kind:" + listing.kind
    if kind not in cache:
        cache[kind] = render_value_in_context(listing.get_kind_display(), context)
    return cache


_SENTENCES = "listings_web.sentences"


@register.simple_tag(takes_context=True)
def listing_facts(context, listing, show_owner=False) -> SafeString:
    """`{% listing_facts listing show_owner=True %}`: kind and category, where, how far (when the
    search measured it), who (with show_owner) and the dates, as a list."""
    out = render_value_in_context
    said = _translated(context, listing)
    lines = [
        '<ul class="listing-facts">\n  <li><span class="tag">'
        f'{said["kind:" + listing.kind]}</span> <span class="tag">'
        f"{out(listing.category.name, context)}</span></li>\n  "
    ]
    if listing.neighbourhood:
        lines.append(f"<li>{_fill(context, said['near'], place=listing.neighbourhood)}</li>")
    lines.append("\n  ")
    km = getattr(listing, "distance_km", None)
    if km or km == 0:
        lines.append(f"<li>{_fill(context, said['away'], km=floatformat(km, 1))}</li>")
    lines.append("\n  ")
    if show_owner:
        lines.append(f"<li>{_fill(context, said['by'], name=listing.owner.display_name)}</li>")
    posted = _fill(
        context,
        said["posted"],
        posted=_day(listing.created_at),
        until=_day(listing.expires_at),
    )
    lines.append(f"\n  <li>{posted}</li>\n</ul>\n")
    # Safe: translations are trusted as {% blocktranslate %} trusts them; every value is escaped.
    return mark_safe("".join(lines))  # noqa: S308


@register.simple_tag(takes_context=True)
def listing_result(context, listing, picture=None) -> SafeString:
    """`{% listing_result listing picture %}`: one search result (its first picture, if any, its
    title linking to it, and its facts with the owner), as the search page's loop drew it;
    tests/web/test_listing_facts.py renders both and compares."""
    out = render_value_in_context
    slug = context["community"].slug
    parts = ['<li class="with-picture">\n    ' if picture else "<li>\n    "]
    if picture:
        src = reverse("web:listing_image_thumbnail", args=[slug, listing.pk, picture.pk])
        alt = picture.alt_text or gettext("A picture for this listing")
        parts.append(
            f'<img class="result-picture" src="{out(src, context)}" width="96" height="96" '
            f'alt="{out(alt, context)}" loading="lazy">'
        )
    href = reverse("web:listing_detail", args=[slug, listing.pk])
    parts.append(
        f'\n    <div>\n    <h3><a href="{out(href, context)}">{out(listing.title, context)}</a>'
        f"</h3>\n    {listing_facts(context, listing, show_owner=True)}\n    </div>\n  </li>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped
