"""Offers and requests: searching them, posting, changing, renewing and closing one, and its
pictures; for coordinators, the community's own categories and neighbourhoods.

A coordinator acting for a member posts for that member: the services get the coordinator as
`actor` and the member as `owner`."""

from __future__ import annotations

import datetime as dt
import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.selectors import neighbourhoods as neighbourhoods_selectors
from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from coproduce.exchanges import access as exchange_access
from coproduce.exchanges import models
from coproduce.exchanges.models import ListingStatus
from coproduce.exchanges.selectors import images as images_selectors
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.exchanges.selectors import matching
from coproduce.exchanges.selectors import search as search_selectors
from coproduce.exchanges.services import images as images_services
from coproduce.exchanges.services import listings as listings_services
from coproduce.exchanges.services import reminders as reminders_services

from ..decorators import community_view
from ..forms.common import AVAILABILITY_CHOICES, show_refusal
from ..forms.listings import (
    CategoryForm,
    CloseListingForm,
    ListingForm,
    ListingImageForm,
    ListingSearchForm,
    NeighbourhoodForm,
    PublicListingSearchForm,
)
from ..middleware import SignedInRequest, acting_member

PAGE_SIZE = 20
SLOT_LABELS = dict(AVAILABILITY_CHOICES)


def _ask_url(community) -> str:
    """Where a member who needs a check goes to ask: a message to the longest-serving coordinator
    (the community's page when it has none)."""
    coordinator = memberships_selectors.coordinator_to_ask(community)
    if coordinator is None:
        return reverse("web:community", args=[community.slug])
    return reverse("web:conversation_new", args=[community.slug, coordinator.number])


def _may_change(request, community, listing) -> bool:
    """The rule of the listing services (owner or coordinator), asked in advance for the buttons."""
    return listing.owner_id == request.user.pk or access.is_coordinator(request.user, community)


def _refuse(form, exc: ApplicationError) -> None:
    """A service's refusal onto the form; the check needed for what the listing offers goes on
    "Where?" (the mode: at home, in person, or by phone and online, which needs no check)."""
    if exc.code == "vetting_required":
        form.add_error("mode", exc.message)
    else:
        show_refusal(form, exc)


@login_required
@community_view
@require_GET
def listing_search(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    searched = bool(request.GET)
    form = None
    blank_form = None
    if searched:
        form = ListingSearchForm(
            request.GET,
            categories=listings_selectors.categories_kept(community),
            neighbourhoods=neighbourhoods_selectors.neighbourhoods_kept(community),
        )
    else:
        blank_form = _blank_search_form(
            community, community.catalogue_stamp, community.slug, get_language()
        )
    page = None
    status = 200
    if form is None or form.is_valid():
        data = form.cleaned_data if form is not None else {}
        try:
            page = search_selectors.listing_cards(
                community,
                request.user,
                q=data.get("q", ""),
                kind=data.get("kind") or None,
                category=data.get("category"),
                available=data.get("available") or None,
                near=data.get("near") or None,
                within_km=data.get("within_km"),
                sort=data.get("sort") or "relevance",
                after=data.get("after") or None,
                limit=PAGE_SIZE,
            )
        except ValidationFailed as exc:
            if form is None:
                raise
            show_refusal(form, exc)
            status = 400
    else:
        status = 400
    more = None
    if page and page.next_cursor:
        query = request.GET.copy()
        query["after"] = page.next_cursor
        more = query.urlencode()
    results = [(card, card.picture) for card in page.listings] if page else []
    return render(
        request,
        "web/listings/search.html",
        {
            "community": community,
            "form": form,
            "blank_form": blank_form,
            "page": page,
            "more": more,
            "results": results,
            "paged": form is not None
            and bool(form.is_bound and form.is_valid() and form.cleaned_data.get("after")),
        },
        status=status,
    )


@functools.lru_cache(maxsize=256)
def _blank_search_form(community, stamp: str, slug: str, language: str) -> SafeString:
    """The search form as the page first shows it (nothing asked yet), drawn once per community,
    catalogue stamp (its categories and neighbourhoods), address and language, and kept in this
    process's memory: the same for every member, and about half of the page's time to build and
    draw (docs/benchmarks.md, "Render cost of five pages"). A search draws its form each time."""
    form = ListingSearchForm(
        categories=listings_selectors.categories_kept(community),
        neighbourhoods=neighbourhoods_selectors.neighbourhoods_kept(community),
    )
    return render_to_string(
        "web/listings/_search_form.html", {"form": form, "community": community}
    )


@community_view
@require_GET
def listings_public(request, community) -> HttpResponse:
    """The listings marked "Everyone, on the public site", for anyone, signed in or not: no
    owner, contact, point or picture; answering means signing in or applying to join."""
    exchange_access.access_public_listings(request.user, community)
    searched = bool(request.GET)
    form = PublicListingSearchForm(request.GET if searched else None)
    page = None
    status = 200
    if not searched or form.is_valid():
        data = form.cleaned_data if searched else {}
        try:
            page = search_selectors.listings_public(
                community,
                q=data.get("q", ""),
                kind=data.get("kind") or None,
                after=data.get("after") or None,
                limit=PAGE_SIZE,
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
            status = 400
    else:
        status = 400
    more = None
    if page and page.next_cursor:
        query = request.GET.copy()
        query["after"] = page.next_cursor
        more = query.urlencode()
    rows = [
        (listing, [SLOT_LABELS[slot] for slot in listing.availability if slot in SLOT_LABELS])
        for listing in (page.listings if page else [])
    ]
    return render(
        request,
        "web/listings/public.html",
        {
            "community": community,
            "form": form,
            "page": page,
            "more": more,
            "rows": rows,
            "member": access.membership_of(request.user, community) is not None
            or getattr(request.user, "is_operator", False),
            "paged": bool(searched and form.is_valid() and form.cleaned_data.get("after")),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def listings_mine(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    return render(
        request,
        "web/listings/mine.html",
        {
            "community": community,
            "person": person,
            "listings": listings_selectors.listings_of(community, person),
        },
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def listing_create(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    categories = listings_selectors.categories_for(community)
    status = 200
    if request.method == "POST":
        form = ListingForm(request.POST, community=community, categories=categories)
        if form.is_valid():
            try:
                listing = listings_services.listing_create(
                    actor=request.user, community=community, owner=person, **form.values()
                )
            except ApplicationError as exc:
                _refuse(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Posted. Other members can find it now. You can add pictures to it "
                        "from “Change the listing”."
                    ),
                )
                return redirect("web:listing_detail", community.slug, listing.pk)
        status = 400
    else:
        form = ListingForm(
            community=community,
            categories=categories,
            initial={
                "kind": request.GET.get("kind")
                if request.GET.get("kind") in ("offer", "request")
                else None,
                "expires_on": _default_expiry(community),
                "neighbourhood": person.neighbourhood,
            },
        )
    return render(
        request,
        "web/listings/form.html",
        {
            "community": community,
            "form": form,
            "person": person,
            "listing": None,
        },
        status=status,
    )


def _default_expiry(community) -> dt.date:
    """The day a new listing is shown until, unless changed: three months from today."""
    start = dt.datetime.combine(communities_selectors.local_today(community), dt.time())
    return listings_services.add_months(start, listings_services.LISTING_DEFAULT_MONTHS).date()


def _detail_page(request, community, listing, *, close_form=None, status=200) -> HttpResponse:
    owner_membership = access.membership_of(listing.owner, community)
    matches = (
        matching.matches_for(listing, request.user, limit=5)
        if listing.status == ListingStatus.ACTIVE
        else []
    )
    people = (
        matching.people_for(listing, request.user, limit=5)
        if listing.status == ListingStatus.ACTIVE
        else []
    )
    person = acting_member(request, community)
    may_change = _may_change(request, community, listing)
    mine = listing.owner_id == person.pk
    # On your own listing each match offers "Send a message" about it, so the answer counts for it.
    numbers = (
        memberships_selectors.member_numbers(community, {m.listing.owner_id for m in matches})
        if mine
        else {}
    )
    # Hours for this listing need the check the community asks for what it offers: say so in place
    # of "Arrange an exchange" (the record service refuses it the same way).
    activity = listings_services.listing_activity(listing.mode, listing.is_group)
    arrange_refusal = (
        access.activity_refusal(person, community, activity, viewer=request.user)
        if activity and not mine and listing.status == ListingStatus.ACTIVE
        else ""
    )
    return render(
        request,
        "web/listings/detail.html",
        {
            "matches": [(match, numbers.get(match.listing.owner_id)) for match in matches],
            "people": people,
            "community": community,
            "listing": listing,
            "pictures": images_selectors.images_of(listing),
            "owner_number": owner_membership.number if owner_membership else None,
            "may_record": not mine and not arrange_refusal,
            "arrange_refusal": arrange_refusal,
            "ask_url": _ask_url(community) if arrange_refusal else "",
            "may_renew": may_change and listing.status != ListingStatus.CLOSED,
            "may_change": may_change and listing.status == ListingStatus.ACTIVE,
            "close_form": close_form or CloseListingForm(),
            "availability": [
                SLOT_LABELS[slot] for slot in listing.availability if slot in SLOT_LABELS
            ],
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def listing_detail(request: SignedInRequest, community, listing_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    listing = listings_selectors.listing_get(community, request.user, listing_id)
    return _detail_page(request, community, listing)


def _changeable(request, community, listing_id: int):
    access.access_community(request.user, community)
    listing = listings_selectors.listing_get(community, request.user, listing_id)
    if not _may_change(request, community, listing):
        raise PermissionDenied(
            _("Only the member who posted it and the coordinators can change a listing.")
        )
    return listing


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def listing_edit(request: SignedInRequest, community, listing_id: int) -> HttpResponse:
    listing = _changeable(request, community, listing_id)
    categories = listings_selectors.categories_for(community)
    status = 200
    if request.method == "POST":
        form = ListingForm(request.POST, community=community, categories=categories)
        if form.is_valid():
            try:
                listings_services.listing_update(
                    actor=request.user, listing=listing, **form.values()
                )
            except ApplicationError as exc:
                _refuse(form, exc)
            else:
                messages.success(request, _("The listing has been saved."))
                return redirect("web:listing_detail", community.slug, listing.pk)
        status = 400
    else:
        form = ListingForm(
            community=community,
            categories=categories,
            initial=ListingForm.initial_for(listing, community),
        )
    return _edit_page(request, community, listing, form=form, status=status)


def _edit_page(
    request, community, listing, *, form=None, image_form=None, status=200
) -> HttpResponse:
    if form is None:
        form = ListingForm(
            community=community,
            categories=listings_selectors.categories_for(community),
            initial=ListingForm.initial_for(listing, community),
        )
    pictures = images_selectors.images_of(listing)
    return render(
        request,
        "web/listings/form.html",
        {
            "community": community,
            "form": form,
            "person": listing.owner,
            "listing": listing,
            "pictures": pictures,
            "image_form": image_form or ListingImageForm(),
            "pictures_full": len(pictures) >= models.MAX_LISTING_IMAGES,
            "max_pictures": models.MAX_LISTING_IMAGES,
        },
        status=status,
    )


@login_required
@community_view
@require_POST
def listing_renew(request: SignedInRequest, community, listing_id: int) -> HttpResponse:
    listing = _changeable(request, community, listing_id)
    try:
        renewed = reminders_services.listing_renew(actor=request.user, listing=listing)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Renewed: it is shown until %(day)s.")
            % {"day": date_format(timezone.localtime(renewed.expires_at), "j F Y")},
        )
    return redirect("web:listing_detail", community.slug, listing.pk)


# Pictures ------------------------------------------------------------------------------------


@login_required
@community_view
@require_POST
def listing_image_add(request: SignedInRequest, community, listing_id: int) -> HttpResponse:
    listing = _changeable(request, community, listing_id)
    form = ListingImageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            images_services.listing_image_add(
                actor=request.user,
                listing=listing,
                upload=form.cleaned_data["image"],
                alt_text=form.cleaned_data["alt_text"],
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The picture has been added."))
            return redirect(
                reverse("web:listing_edit", args=[community.slug, listing.pk]) + "#pictures"
            )
    return _edit_page(request, community, listing, image_form=form, status=400)


@login_required
@community_view
@require_POST
def listing_image_remove(
    request: SignedInRequest, community, listing_id: int, image_id: int
) -> HttpResponse:
    listing = _changeable(request, community, listing_id)
    images_services.listing_image_remove(
        actor=request.user, image=images_selectors.image_get(listing, image_id)
    )
    messages.success(request, _("The picture has been removed."))
    return redirect(reverse("web:listing_edit", args=[community.slug, listing.pk]) + "#pictures")


@login_required
@community_view
@require_GET
def listing_image(
    request: SignedInRequest, community, listing_id: int, image_id: int, thumbnail: bool = False
) -> HttpResponse:
    """A picture's bytes, for people who may see the listing. Private caching only: whether
    someone may see it depends on who they are."""
    access.access_community(request.user, community)
    listing = listings_selectors.listing_get(community, request.user, listing_id)
    data, content_type = images_selectors.image_for(
        request.user, listing, image_id, thumbnail=thumbnail
    )
    response = HttpResponse(data, content_type=content_type)
    response["Cache-Control"] = "private, max-age=86400"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@community_view
@require_POST
def listing_close(request: SignedInRequest, community, listing_id: int) -> HttpResponse:
    listing = _changeable(request, community, listing_id)
    form = CloseListingForm(request.POST)
    if form.is_valid():
        try:
            listings_services.listing_close(
                actor=request.user, listing=listing, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("web:listing_detail", community.slug, listing.pk)
        else:
            messages.success(request, _("Closed. It no longer shows in searches."))
            return redirect("web:listing_detail", community.slug, listing.pk)
    return _detail_page(request, community, listing, close_form=form, status=400)


# Coordinators --------------------------------------------------------------------------------


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def neighbourhoods(request: SignedInRequest, community) -> HttpResponse:
    """The named parts of the area with their rough centres, which members search near."""
    access.access_coordinate(request.user, community)
    status = 200
    if request.method == "POST":
        form = NeighbourhoodForm(request.POST)
        if form.is_valid():
            try:
                added = neighbourhoods_services.neighbourhood_add(
                    actor=request.user, community=community, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Added %(name)s.") % {"name": added.name})
                return redirect("web:neighbourhoods", community.slug)
        status = 400
    else:
        form = NeighbourhoodForm()
    return render(
        request,
        "web/listings/neighbourhoods.html",
        {
            "community": community,
            "form": form,
            "neighbourhoods": neighbourhoods_selectors.neighbourhoods_of(community),
        },
        status=status,
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def neighbourhood_edit(request: SignedInRequest, community, neighbourhood_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    neighbourhood = neighbourhoods_selectors.neighbourhood_get(community, neighbourhood_id)
    status = 200
    if request.method == "POST":
        form = NeighbourhoodForm(request.POST)
        if form.is_valid():
            try:
                neighbourhoods_services.neighbourhood_update(
                    actor=request.user, neighbourhood=neighbourhood, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("Saved %(name)s.") % {"name": form.cleaned_data["name"]}
                )
                return redirect("web:neighbourhoods", community.slug)
        status = 400
    else:
        form = NeighbourhoodForm(
            initial={"name": neighbourhood.name, "lat": neighbourhood.lat, "lng": neighbourhood.lng}
        )
    return render(
        request,
        "web/listings/neighbourhood_edit.html",
        {
            "community": community,
            "form": form,
            "neighbourhood": neighbourhood,
        },
        status=status,
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def category_add(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    status = 200
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category = listings_services.category_add(
                    actor=request.user, community=community, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request, _("Added the category '%(name)s'.") % {"name": category.name}
                )
                return redirect("web:category_add", community.slug)
        status = 400
    else:
        form = CategoryForm()
    categories = listings_selectors.categories_for(community)
    return render(
        request,
        "web/listings/categories.html",
        {
            "community": community,
            "form": form,
            "own": [c for c in categories if c.community_id == community.pk],
        },
        status=status,
    )
