"""A listing's facts as the search page and "My offers and requests" show them under its title.

Written here rather than as an included template: the search page shows 20 results, and the
template (an include with four {% blocktranslate %} and two |date filters each) took about a
fifth of the page's time, more than the search itself (docs/benchmarks.md, "Render cost").
The markup and the sentences are the template's, character for character
(tests/web/test_listing_facts.py renders both and compares); the sentences keep their msgids,
so translations find them in this file."""

from __future__ import annotations

import datetime as dt
import html
from typing import Any

from django import template
from django.template.base import render_value_in_context
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.timezone import get_current_timezone, is_aware, localtime
from django.utils.translation import get_language, gettext

register = template.Library()


def _out(context, value) -> str:
    """`{{ value }}` for the strings these tags show: escaped unless autoescape is off or the
    value is marked safe (what render_value_in_context does for a string, without its date and
    number steps, and escape() without its check for lazy text, which these never are)."""
    if not context.autoescape or isinstance(value, SafeData):
        return str(value)
    return html.escape(str(value))


def _fill(context, translated: str, **values) -> str:
    """`{% blocktranslate with name=value %}…{% endblocktranslate %}`: the translation as
    written, the values (strings) escaped."""
    return translated % {name: _out(context, value) for name, value in values.items()}


def _kit(context) -> dict[str, Any]:
    """What every result on a page shares, worked out once per page rather than once per
    listing: the sentences in the current language (a miss walks Django's whole chain of
    catalogues, seven deep in English), the months' abbreviations, the current time zone and
    the addresses of a listing and of its thumbnail with the numbers left to fill in."""
    kit = context.render_context.get(_KIT)
    language, zone = get_language(), get_current_timezone()
    if kit is None or kit["language"] != language or kit["zone"] is not zone:
        kit = {
            "language": language,
            "near": gettext("Near %(place)s"),
            "away": gettext("%(km)s km away"),
            "by": gettext("By %(name)s"),
            "posted": gettext("Posted %(posted)s, until %(until)s"),
            "months": {number: str(name).title() for number, name in MONTHS_3.items()},
            "zone": zone,
        }
        context.render_context[_KIT] = kit
    return kit


def _day(kit, value) -> str:
    """`value|date:"j M Y"` (3 Dec 2026), without the filter's DateFormat: the day, the month's
    abbreviation as Django's "M" gives it, the year, in the current time zone as templates
    show times."""
    if isinstance(value, dt.datetime) and is_aware(value):
        value = localtime(value, kit["zone"])
    return f"{value.day} {kit['months'][value.month]} {value.year:04d}"


def _kind(context, kit, listing) -> str:
    kind = "kind:" + listing.kind
    if kind not in kit:
        kit[kind] = render_value_in_context(listing.get_kind_display(), context)
    return kit[kind]


_KIT = "listings_web.kit"
# Stands for a listing's (or a picture's) number in an address reversed once per page.
_LISTING_NUMBER, _PICTURE_NUMBER = 918273645, 546372819


def _address(context, kit, name: str, *numbers: int) -> str:
    """reverse(name, args=[the community's slug, *numbers]), escaped: reversed once per page
    with stand-in numbers, then filled in (a reverse is about 40 µs; a page has 40 of them).
    Reversed each time if a stand-in shows up more than once (in a slug, say)."""
    slug = context["community"].slug
    stand_ins = [str(n) for n in (_LISTING_NUMBER, _PICTURE_NUMBER)[: len(numbers)]]
    pattern = kit.get(name)
    if pattern is None:
        pattern = _out(context, reverse(name, args=[slug, *stand_ins]))
        if any(pattern.count(stand_in) != 1 for stand_in in stand_ins):
            pattern = ""
        kit[name] = pattern
    if not pattern:
        return _out(context, reverse(name, args=[slug, *numbers]))
    for stand_in, number in zip(stand_ins, numbers, strict=True):
        pattern = pattern.replace(stand_in, str(int(number)))
    return pattern


@register.simple_tag(takes_context=True)
def listing_facts(context, listing, show_owner=False) -> SafeString:
    """`{% listing_facts listing show_owner=True %}`: kind and category, where, how far (when the
    search measured it), who (with show_owner) and the dates, as a list."""
    return _facts(context, _kit(context), listing, show_owner)


def _facts(context, kit, listing, show_owner) -> SafeString:
    lines = [
        '<ul class="listing-facts">\n  <li><span class="tag">'
        f'{_kind(context, kit, listing)}</span> <span class="tag">'
        f"{_out(context, listing.category.name)}</span></li>\n  "
    ]
    if listing.neighbourhood:
        lines.append(f"<li>{_fill(context, kit['near'], place=listing.neighbourhood)}</li>")
    lines.append("\n  ")
    km = getattr(listing, "distance_km", None)
    if km or km == 0:
        lines.append(f"<li>{_fill(context, kit['away'], km=floatformat(km, 1))}</li>")
    lines.append("\n  ")
    if show_owner:
        lines.append(f"<li>{_fill(context, kit['by'], name=listing.owner.display_name)}</li>")
    posted = _fill(
        context,
        kit["posted"],
        posted=_day(kit, listing.created_at),
        until=_day(kit, listing.expires_at),
    )
    lines.append(f"\n  <li>{posted}</li>\n</ul>\n")
    # Safe: translations are trusted as {% blocktranslate %} trusts them; every value is escaped.
    return mark_safe("".join(lines))  # noqa: S308


@register.simple_tag(takes_context=True)
def listing_result(context, listing, picture=None) -> SafeString:
    """`{% listing_result listing picture %}`: one search result (its first picture, if any, its
    title linking to it, and its facts with the owner), as the search page's loop drew it;
    tests/web/test_listing_facts.py renders both and compares."""
    kit = _kit(context)
    parts = ['<li class="with-picture">\n    ' if picture else "<li>\n    "]
    if picture:
        src = _address(context, kit, "web:listing_image_thumbnail", listing.pk, picture.pk)
        alt = picture.alt_text or gettext("A picture for this listing")
        parts.append(
            f'<img class="result-picture" src="{src}" width="96" height="96" '
            f'alt="{_out(context, alt)}" loading="lazy">'
        )
    href = _address(context, kit, "web:listing_detail", listing.pk)
    parts.append(
        f'\n    <div>\n    <h3><a href="{href}">{_out(context, listing.title)}</a>'
        f"</h3>\n    {_facts(context, kit, listing, True)}\n    </div>\n  </li>"
    )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


@register.simple_tag(takes_context=True)
def listing_results(context, results) -> SafeString:
    """`{% listing_results results %}`: each (listing, picture) of the search page as
    `{% listing_result %}` draws it, indented as the page's loop left them, in one tag (the
    loop's own work per result was about a third of a result's)."""
    return mark_safe(  # noqa: S308 - each result is escaped
        "".join(
            f"\n  {listing_result(context, listing, picture)}\n  " for listing, picture in results
        )
    )
