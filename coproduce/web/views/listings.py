"""Offers and requests: searching them, posting, changing and closing one; for coordinators, the
community's own categories.

A coordinator acting for a member posts for that member: the services get the coordinator as
`actor` and the member as `owner`."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.core.errors import ApplicationError, PermissionDenied, ValidationFailed
from coproduce.exchanges import matching, selectors, services
from coproduce.exchanges.models import ListingStatus

from ..decorators import community_view
from ..forms import (
    AVAILABILITY_CHOICES,
    CategoryForm,
    CloseListingForm,
    ListingForm,
    ListingSearchForm,
    community_today,
    show_refusal,
)
from ..middleware import SignedInRequest, acting_member

PAGE_SIZE = 20
SLOT_LABELS = dict(AVAILABILITY_CHOICES)


def _may_change(request, community, listing) -> bool:
    """The rule of the listing services (owner or coordinator), asked in advance for the buttons."""
    return listing.owner_id == request.user.pk or access.is_coordinator(request.user, community)


def _refuse(form, exc: ApplicationError) -> None:
    """A service's refusal onto the form; the vetting needed for `at_home` goes on the mode."""
    if exc.code == "vetting_required":
        form.add_error("mode", exc.message)
    else:
        show_refusal(form, exc)


@login_required
@community_view
@require_GET
def listing_search(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    categories = selectors.categories_for(community)
    searched = bool(request.GET)
    form = ListingSearchForm(request.GET if searched else None, categories=categories)
    page = None
    status = 200
    if not searched or form.is_valid():
        data = form.cleaned_data if searched else {}
        try:
            page = selectors.listing_search(
                community, request.user, q=data.get("q", ""), kind=data.get("kind") or None,
                category=data.get("category"), available=data.get("available") or None,
                sort=data.get("sort") or "relevance", after=data.get("after") or None, limit=PAGE_SIZE,
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
    return render(request, "web/listings/search.html", {
        "community": community, "form": form, "page": page, "more": more,
        "paged": searched and bool(form.is_bound and form.is_valid() and form.cleaned_data.get("after")),
    }, status=status)


@login_required
@community_view
@require_GET
def listings_mine(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    return render(request, "web/listings/mine.html", {
        "community": community, "person": person, "listings": selectors.listings_of(community, person),
    })


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def listing_create(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    categories = selectors.categories_for(community)
    status = 200
    if request.method == "POST":
        form = ListingForm(request.POST, community=community, categories=categories)
        if form.is_valid():
            try:
                listing = services.listing_create(actor=request.user, community=community, owner=person,
                                                  **form.values())
            except ApplicationError as exc:
                _refuse(form, exc)
            else:
                messages.success(request, _("Posted. Other members can find it now."))
                return redirect("web:listing_detail", community.slug, listing.pk)
        status = 400
    else:
        form = ListingForm(community=community, categories=categories, initial={
            "kind": request.GET.get("kind") if request.GET.get("kind") in ("offer", "request") else None,
            "expires_on": _default_expiry(community),
            "neighbourhood": person.neighbourhood,
        })
    return render(request, "web/listings/form.html", {
        "community": community, "form": form, "person": person, "listing": None,
    }, status=status)


def _default_expiry(community) -> dt.date:
    """The day a new listing is shown until, unless changed: three months from today."""
    start = dt.datetime.combine(community_today(community), dt.time())
    return services.add_months(start, services.LISTING_DEFAULT_MONTHS).date()


def _detail_page(request, community, listing, *, close_form=None, status=200) -> HttpResponse:
    owner_membership = access.membership_of(listing.owner, community)
    matches = matching.matches_for(listing, request.user, limit=5) if listing.status == ListingStatus.ACTIVE else []
    return render(request, "web/listings/detail.html", {
        "matches": matches,
        "community": community, "listing": listing,
        "owner_number": owner_membership.number if owner_membership else None,
        "may_change": _may_change(request, community, listing) and listing.status == ListingStatus.ACTIVE,
        "close_form": close_form or CloseListingForm(),
        "availability": [SLOT_LABELS[slot] for slot in listing.availability if slot in SLOT_LABELS],
    }, status=status)


@login_required
@community_view
@require_GET
def listing_detail(request: SignedInRequest, community, listing_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    listing = selectors.listing_get(community, request.user, listing_id)
    return _detail_page(request, community, listing)


def _changeable(request, community, listing_id: int):
    access.access_community(request.user, community)
    listing = selectors.listing_get(community, request.user, listing_id)
    if not _may_change(request, community, listing):
        raise PermissionDenied(_("Only the member who posted it and the coordinators can change a listing."))
    return listing


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def listing_edit(request: SignedInRequest, community, listing_id: int) -> HttpResponse:
    listing = _changeable(request, community, listing_id)
    categories = selectors.categories_for(community)
    status = 200
    if request.method == "POST":
        form = ListingForm(request.POST, community=community, categories=categories)
        if form.is_valid():
            try:
                services.listing_update(actor=request.user, listing=listing, **form.values())
            except ApplicationError as exc:
                _refuse(form, exc)
            else:
                messages.success(request, _("The listing has been saved."))
                return redirect("web:listing_detail", community.slug, listing.pk)
        status = 400
    else:
        form = ListingForm(community=community, categories=categories,
                           initial=ListingForm.initial_for(listing, community))
    return render(request, "web/listings/form.html", {
        "community": community, "form": form, "person": listing.owner, "listing": listing,
    }, status=status)


@login_required
@community_view
@require_POST
def listing_close(request: SignedInRequest, community, listing_id: int) -> HttpResponse:
    listing = _changeable(request, community, listing_id)
    form = CloseListingForm(request.POST)
    if form.is_valid():
        try:
            services.listing_close(actor=request.user, listing=listing, reason=form.cleaned_data["reason"])
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
def category_add(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    status = 200
    if request.method == "POST":
        form = CategoryForm(request.POST)
        if form.is_valid():
            try:
                category = services.category_add(actor=request.user, community=community, **form.cleaned_data)
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Added the category '%(name)s'.") % {"name": category.name})
                return redirect("web:category_add", community.slug)
        status = 400
    else:
        form = CategoryForm()
    categories = selectors.categories_for(community)
    return render(request, "web/listings/categories.html", {
        "community": community, "form": form, "own": [c for c in categories if c.community_id == community.pk],
    }, status=status)
