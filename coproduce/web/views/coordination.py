"""Coordinators' pages: the dashboard, member search, taking an application to a decision, the
broker queue ("Needs a person") with introductions, messages to pass on to members who are
offline, and closing concerns raised after exchanges."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.models import ApplicationStatus
from coproduce.communities.selectors import applications as applications_selectors
from coproduce.communities.selectors import contact_relay as contact_relay_selectors
from coproduce.communities.selectors import dashboard as dashboard_selectors
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import contact_relay as contact_relay_services
from coproduce.communities.services import notes as notes_services
from coproduce.communities.services import references as references_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.coproduction.selectors import dashboard as coproduction_dashboard_selectors
from coproduce.core.errors import ApplicationError, Conflict, ValidationFailed
from coproduce.exchanges.models import ListingKind, ListingStatus
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.exchanges.selectors import matching
from coproduce.exchanges.selectors import references as references_selectors
from coproduce.exchanges.services import references as exchanges_references_services
from coproduce.governance.selectors import follow_up as follow_up_selectors
from coproduce.messaging.selectors import broker
from coproduce.messaging.selectors import introductions as introductions_selectors
from coproduce.messaging.selectors import pass_on as pass_on_selectors
from coproduce.messaging.services import introductions as introductions_services
from coproduce.messaging.services import pass_on as pass_on_services

from ..decorators import community_view
from ..forms.common import MEMBER_SUGGESTIONS, ReasonForm, show_refusal
from ..forms.coordination import (
    DECLINE_FORM,
    ApplicationNoteForm,
    ApproveForm,
    ConcernCloseForm,
    IntroductionForm,
    PassedOnForm,
    ReferenceRequestForm,
)
from ..forms.members import DirectorySearchForm, VettingCheckForm
from ..middleware import SignedInRequest

SEARCH_LIMIT = 20


@login_required
@community_view
@require_GET
def dashboard(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    return render(
        request,
        "web/coordinate/dashboard.html",
        {
            "community": community,
            "dashboard": dashboard_selectors.coordinator_dashboard(community),
            "figures": broker.coordinator_counts(community, request.user),
            "coproduction": coproduction_dashboard_selectors.community_coproduction(community),
            "search_form": DirectorySearchForm(),
            "overdue_commitments": follow_up_selectors.overdue_count(community),
        },
    )


@login_required
@community_view
@require_GET
def member_search(request: SignedInRequest, community) -> HttpResponse:
    """Find a member by name, number, neighbourhood or gift. htmx asks for the results list only."""
    access.access_coordinate(request.user, community)
    form = DirectorySearchForm(request.GET)
    q = form.cleaned_data["q"].strip() if form.is_valid() else ""
    page = (
        directory_selectors.member_directory_page(
            request.user, community, q=q, limit=SEARCH_LIMIT, include_inactive=True
        )
        if q
        else None
    )
    context = {"community": community, "search_form": form, "q": q, "page": page}
    if request.htmx:
        return render(request, "web/coordinate/_member_results.html", context)
    return render(request, "web/coordinate/member_search.html", context)


@login_required
@community_view
@require_POST
def relay_passed_on(request: SignedInRequest, community, relay_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    relay = contact_relay_selectors.relay_get(community, relay_id)
    try:
        contact_relay_services.contact_relay_passed_on(actor=request.user, relay=relay)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Marked as passed on to %(name)s.") % {"name": relay.recipient.display_name}
        )
    return redirect("web:coordinator_dashboard", community.slug)


@login_required
@community_view
@require_GET
def application_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    status = request.GET.get("status", ApplicationStatus.APPROVED)
    if status not in ApplicationStatus.values:
        status = ApplicationStatus.APPROVED
    return render(
        request,
        "web/coordinate/application_list.html",
        {
            "community": community,
            "status": status,
            "status_label": ApplicationStatus(status).label,
            "statuses": ApplicationStatus.choices,
            "applications": applications_selectors.application_queue(community, status=status),
        },
    )


def _application_page(
    request, community, application_id: int, *, forms=None, status=200
) -> HttpResponse:
    forms = forms or {}
    review = applications_selectors.application_review(community, application_id)
    refused_forms = [form for form in forms.values() if form.errors]
    return render(
        request,
        "web/coordinate/application_detail.html",
        {
            "community": community,
            "review": review,
            "application": review.application,
            "pending": review.application.status == ApplicationStatus.PENDING,
            "note_form": forms.get("note") or ApplicationNoteForm(prefix="note"),
            "reference_form": forms.get("reference") or ReferenceRequestForm(prefix="reference"),
            "check_form": forms.get("check") or VettingCheckForm(prefix="check"),
            "approve_form": forms.get("approve") or ApproveForm(prefix="approve"),
            "decline_form": forms.get("decline") or ReasonForm(prefix="decline", **DECLINE_FORM),
            "refused_forms": refused_forms,
        },
        status=status,
    )


def _refused(request, community, application, exc: Conflict) -> HttpResponse:
    """A refusal that is about the application's state, not what was typed (not enough
    references, decided already): said on the application's own page, reached by a redirect so
    that refreshing it sends nothing again."""
    messages.error(request, exc.message)
    return redirect("web:application_detail", community.slug, application.pk)


@login_required
@community_view
@require_GET
def application_detail(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    return _application_page(request, community, application_id)


@login_required
@community_view
@require_POST
def application_note(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = applications_selectors.application_get(community, application_id)
    form = ApplicationNoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            notes_services.application_note_add(
                actor=request.user, application=application, **form.cleaned_data
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The note has been added."))
            return redirect("web:application_detail", community.slug, application.pk)
    return _application_page(request, community, application.pk, forms={"note": form}, status=400)


@login_required
@community_view
@require_POST
def application_reference(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = applications_selectors.application_get(community, application_id)
    form = ReferenceRequestForm(request.POST, prefix="reference")
    if form.is_valid():
        try:
            reference, _token = references_services.reference_request(
                actor=request.user, application=application, **form.cleaned_data
            )
        except Conflict as exc:
            return _refused(request, community, application, exc)
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("We have emailed %(name)s a link to give their reference.")
                % {"name": reference.referee_name},
            )
            return redirect("web:application_detail", community.slug, application.pk)
    return _application_page(
        request, community, application.pk, forms={"reference": form}, status=400
    )


@login_required
@community_view
@require_POST
def application_check(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = applications_selectors.application_get(community, application_id)
    form = VettingCheckForm(request.POST, prefix="check")
    if form.is_valid():
        try:
            vetting_services.check_record(
                actor=request.user,
                community=community,
                person=application.person,
                **form.cleaned_data,
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The check has been recorded."))
            return redirect("web:application_detail", community.slug, application.pk)
    return _application_page(request, community, application.pk, forms={"check": form}, status=400)


@login_required
@community_view
@require_POST
def application_approve(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = applications_selectors.application_get(community, application_id)
    form = ApproveForm(request.POST, prefix="approve")
    if form.is_valid():
        try:
            membership = applications_services.application_approve(
                actor=request.user, application=application, reason=form.cleaned_data["reason"]
            )
        except Conflict as exc:
            return _refused(request, community, application, exc)
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s is now a member, number %(code)s.")
                % {"name": application.full_name, "code": membership.member_code},
            )
            return redirect("web:member_detail", community.slug, membership.number)
    return _application_page(
        request, community, application.pk, forms={"approve": form}, status=400
    )


@login_required
@community_view
@require_POST
def application_decline(request: SignedInRequest, community, application_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    application = applications_selectors.application_get(community, application_id)
    form = ReasonForm(request.POST, prefix="decline", **DECLINE_FORM)
    if form.is_valid():
        try:
            applications_services.application_decline(
                actor=request.user, application=application, reason=form.cleaned_data["reason"]
            )
        except Conflict as exc:
            return _refused(request, community, application, exc)
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("The application from %(name)s has been declined.")
                % {"name": application.full_name},
            )
            return redirect("web:coordinator_dashboard", community.slug)
    return _application_page(
        request, community, application.pk, forms={"decline": form}, status=400
    )


# The broker queue and introductions ----------------------------------------------------------


@login_required
@community_view
@require_GET
def broker_queue(request: SignedInRequest, community) -> HttpResponse:
    """Needs a person: unanswered requests, gifts never used, new members without an exchange."""
    access.access_coordinate(request.user, community)
    return render(
        request,
        "web/coordinate/broker.html",
        {
            "community": community,
            "queue": broker.broker_queue(community),
        },
    )


SUGGESTED_HELPERS = 5


def _suggestions(request, community, listing) -> list[tuple[str, str]]:
    """For a request, the owners of the best matching offers as "Name (RIV-0042)" choices, with
    the offer and the reasons it matched."""
    if (
        listing is None
        or listing.kind != ListingKind.REQUEST
        or listing.status != ListingStatus.ACTIVE
    ):
        return []
    found = matching.matches_for(listing, request.user, limit=SUGGESTED_HELPERS * 2)
    numbers = memberships_selectors.member_numbers(community, {m.listing.owner_id for m in found})
    choices: list[tuple[str, str]] = []
    seen: set[int] = set()
    for match in found:
        owner = match.listing.owner
        number = numbers.get(owner.pk)
        if number is None or owner.pk in seen or owner.pk == listing.owner_id:
            continue
        seen.add(owner.pk)
        value = f"{owner.display_name} ({member_refs_selectors.member_code(community, number)})"
        choices.append((value, f"{value}: {match.listing.title} ({matching.match_summary(match)})"))
    return choices[:SUGGESTED_HELPERS]


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def introduction_new(request: SignedInRequest, community) -> HttpResponse:
    """Introduce two members: from a request in the queue (its owner and the suggested helpers),
    from a member in the queue, or any two members."""
    access.access_coordinate(request.user, community)
    params = request.POST if request.method == "POST" else request.GET
    raw_listing = params.get("listing", "")
    listing = (
        listings_selectors.listing_get(community, request.user, int(raw_listing))
        if raw_listing.isdigit() and len(raw_listing) < 19
        else None
    )
    suggestions = _suggestions(request, community, listing)
    status = 200
    if request.method == "POST":
        form = IntroductionForm(request.POST, community=community, suggestions=suggestions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                introduction = introductions_services.introduction_make(
                    actor=request.user,
                    community=community,
                    first=data["first"].person,
                    second=data["second"].person,
                    listing=listing,
                    note=data["note"],
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("You have introduced %(first)s to %(second)s. Both have your message.")
                    % {
                        "first": introduction.first.display_name,
                        "second": introduction.second.display_name,
                    },
                )
                return redirect("web:broker_queue", community.slug)
        status = 400
    else:
        initial: dict = {"listing": listing.pk if listing else None}
        first = listing.owner if listing else None
        raw_member = request.GET.get("member", "")
        if first is None and raw_member.isdigit() and len(raw_member) < 10:
            found = memberships_selectors.active_members_by_number(community, {int(raw_member)})
            first = found[int(raw_member)].person if found else None
        if first is not None:
            number = memberships_selectors.member_numbers(community, {first.pk}).get(first.pk)
            if number is not None:
                initial["first"] = (
                    f"{first.display_name} ({member_refs_selectors.member_code(community, number)})"
                )
        form = IntroductionForm(community=community, suggestions=suggestions, initial=initial)
    return render(
        request,
        "web/coordinate/introduce.html",
        {
            "community": community,
            "form": form,
            "listing": listing,
            "suggestions": suggestions,
            "members": directory_selectors.member_directory(community, limit=MEMBER_SUGGESTIONS),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def introductions(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    found = introductions_selectors.introductions_of(community)
    numbers = memberships_selectors.member_numbers(
        community, {i.first_id for i in found} | {i.second_id for i in found}
    )
    return render(
        request,
        "web/coordinate/introductions.html",
        {
            "community": community,
            "introductions": [
                (i, numbers.get(i.first_id), numbers.get(i.second_id)) for i in found
            ],
            "counts": introductions_selectors.introduction_counts(
                community, since=broker.month_start(community, timezone.now())
            ),
        },
    )


# Messages to pass on to members who are offline ----------------------------------------------


def _pass_on_page(request, community, *, bound=None, status=200) -> HttpResponse:
    waiting = pass_on_selectors.messages_to_pass_on(community)
    for message in waiting:
        message.form = (
            bound
            if bound is not None and bound.prefix == f"m{message.pk}"
            else PassedOnForm(prefix=f"m{message.pk}")
        )
    return render(
        request,
        "web/coordinate/pass_on.html",
        {
            "community": community,
            "waiting": waiting,
            "done": pass_on_selectors.messages_to_pass_on(community, done=True, limit=20),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def pass_on(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    return _pass_on_page(request, community)


@login_required
@community_view
@require_POST
def message_passed_on(request: SignedInRequest, community, message_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    message = pass_on_selectors.message_to_pass_on_get(community, message_id)
    form = PassedOnForm(request.POST, prefix=f"m{message.pk}")
    if form.is_valid():
        try:
            pass_on_services.message_passed_on(
                actor=request.user, message=message, how=form.cleaned_data["how"]
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:pass_on", community.slug)
        else:
            messages.success(request, _("Marked as passed on."))
            return redirect("web:pass_on", community.slug)
    return _pass_on_page(request, community, bound=form, status=400)


# Concerns raised after exchanges -------------------------------------------------------------


def _concerns_page(request, community, *, bound=None, status=200) -> HttpResponse:
    open_: list[Any] = references_selectors.concerns_for(community, request.user)
    closed: list[Any] = references_selectors.concerns_for(
        community, request.user, closed=True, limit=50
    )
    numbers = memberships_selectors.member_numbers(
        community, {r.subject_id for r in open_ + closed} | {r.author_id for r in open_ + closed}
    )
    for reference in open_:
        reference.form = (
            bound
            if bound is not None and bound.prefix == f"c{reference.pk}"
            else ConcernCloseForm(prefix=f"c{reference.pk}")
        )
    for reference in open_ + closed:
        reference.subject_number = numbers.get(reference.subject_id)
        reference.author_number = numbers.get(reference.author_id)
    return render(
        request,
        "web/coordinate/concerns.html",
        {
            "community": community,
            "open": open_,
            "closed": closed,
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def concerns(request: SignedInRequest, community) -> HttpResponse:
    """Concerns members raised after exchanges: private to coordinators, and never shown to a
    coordinator they are about."""
    access.access_coordinate(request.user, community)
    return _concerns_page(request, community)


@login_required
@community_view
@require_POST
def concern_close(request: SignedInRequest, community, reference_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    reference = references_selectors.concern_get(community, request.user, reference_id)
    form = ConcernCloseForm(request.POST, prefix=f"c{reference.pk}")
    if form.is_valid():
        try:
            exchanges_references_services.concern_close(
                actor=request.user, reference=reference, outcome=form.cleaned_data["outcome"]
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:exchange_concerns", community.slug)
        else:
            messages.success(request, _("The concern is closed, with what was done."))
            return redirect("web:exchange_concerns", community.slug)
    return _concerns_page(request, community, bound=form, status=400)
