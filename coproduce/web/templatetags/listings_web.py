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
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext

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


@register.simple_tag(takes_context=True)
def listing_facts(context, listing, show_owner=False) -> SafeString:
    """`{% listing_facts listing show_owner=True %}`: kind and category, where, how far (when the
    search measured it), who (with show_owner) and the dates, as a list."""
    out = render_value_in_context
    lines = [
        '<ul class="listing-facts">\n  <li><span class="tag">'
        f'{out(listing.get_kind_display(), context)}</span> <span class="tag">'
        f"{out(listing.category.name, context)}</span></li>\n  "
    ]
    if listing.neighbourhood:
        lines.append(
            f"<li>{_fill(context, gettext('Near %(place)s'), place=listing.neighbourhood)}</li>"
        )
    lines.append("\n  ")
    km = getattr(listing, "distance_km", None)
    if km or km == 0:
        lines.append(f"<li>{_fill(context, gettext('%(km)s km away'), km=floatformat(km, 1))}</li>")
    lines.append("\n  ")
    if show_owner:
        lines.append(
            f"<li>{_fill(context, gettext('By %(name)s'), name=listing.owner.display_name)}</li>"
        )
    posted = _fill(
        context,
        gettext("Posted %(posted)s, until %(until)s"),
        posted=_day(listing.created_at),
        until=_day(listing.expires_at),
    )
    lines.append(f"\n  <li>{posted}</li>\n</ul>\n")
    # Safe: translations are trusted as {% blocktranslate %} trusts them; every value is escaped.
    return mark_safe("".join(lines))  # noqa: S308
