"""Statements and the community fund."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import ApplicationError
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.services import fund as fund_services
from coproduce.ledger import access as ledger_access
from coproduce.ledger.selectors import statements as statements_selectors
from coproduce.ledger.selectors.amounts import hours

from ..decorators import community_view
from ..forms.common import MEMBER_SUGGESTIONS, OlderForm, show_refusal
from ..forms.ledger import DonateForm, GrantForm
from ..middleware import SignedInRequest, acting_member

PAGE_SIZE = 50


def _statement(request, community, person, *, own: bool, number: int | None = None) -> HttpResponse:
    form = OlderForm(request.GET)
    before = form.cleaned_data["before"] if form.is_valid() else None
    page = statements_selectors.statement_page(community, person, before_id=before, limit=PAGE_SIZE)
    return render(
        request,
        "web/ledger/statement.html",
        {
            "community": community,
            "person": person,
            "page": page,
            "paged": before is not None,
            "own": own,
            "number": number,
            # Recorded hours not posted yet: shown apart, never part of the balance.
            "waiting": exchanges_selectors.hours_waiting(community, person)
            if before is None
            else None,
        },
    )


def _csv(community, person) -> HttpResponse:
    response = HttpResponse(
        statements_selectors.statement_csv_of(community, person),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="statement-{community.slug}.csv"'
    return response


@login_required
@community_view
@require_GET
def statement(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    return _statement(request, community, acting_member(request, community), own=True)


@login_required
@community_view
@require_GET
def statement_csv(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    return _csv(community, acting_member(request, community))


@login_required
@community_view
@require_GET
def member_statement(request: SignedInRequest, community, number: int) -> HttpResponse:
    membership = memberships_selectors.membership_by_number(community, number)
    ledger_access.access_member_statement(request.user, community, membership)
    return _statement(request, community, membership.person, own=False, number=number)


@login_required
@community_view
@require_GET
def member_statement_csv(request: SignedInRequest, community, number: int) -> HttpResponse:
    membership = memberships_selectors.membership_by_number(community, number)
    ledger_access.access_member_statement(request.user, community, membership)
    return _csv(community, membership.person)


# The community fund --------------------------------------------------------------------------


def _fund_page(request, community, *, forms=None, status=200) -> HttpResponse:
    forms = forms or {}
    person = acting_member(request, community)
    coordinates = access.is_coordinator(request.user, community)
    form = OlderForm(request.GET)
    before = form.cleaned_data["before"] if form.is_valid() else None
    context = {
        "community": community,
        "person": person,
        "coordinates": coordinates,
        "paged": before is not None,
        "fund": statements_selectors.fund_page(
            community, viewer_coordinates=coordinates, before_id=before, limit=PAGE_SIZE
        ),
        "donate_form": forms.get("donate") or DonateForm(prefix="donate"),
    }
    if coordinates:
        context.update(
            grant_form=forms.get("grant") or GrantForm(prefix="grant", community=community),
            members=directory_selectors.member_directory(community, limit=MEMBER_SUGGESTIONS),
        )
    return render(request, "web/ledger/fund.html", context, status=status)


@login_required
@community_view
@require_GET
def fund(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    return _fund_page(request, community)


@login_required
@community_view
@require_POST
def fund_donate(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    form = DonateForm(request.POST, prefix="donate")
    if form.is_valid():
        data = form.cleaned_data
        try:
            fund_services.fund_donate(
                actor=request.user,
                community=community,
                person=person,
                minutes=data["minutes"],
                idempotency_key=data["idempotency_key"],
                note=data["note"],
            )
        except (
            ApplicationError
        ) as exc:  # every refusal is about what was typed; a replayed one is an ApplicationError
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Thank you: %(hours)s given to the community fund.")
                % {"hours": hours(data["minutes"])},
            )
            return redirect("web:fund", community.slug)
    form.renew_key()
    return _fund_page(request, community, forms={"donate": form}, status=400)


@login_required
@community_view
@require_POST
def fund_grant(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    form = GrantForm(request.POST, prefix="grant", community=community)
    if form.is_valid():
        data = form.cleaned_data
        member = data["member"].person
        try:
            fund_services.fund_grant(
                actor=request.user,
                community=community,
                person=member,
                minutes=data["minutes"],
                reason=data["reason"],
                idempotency_key=data["idempotency_key"],
            )
        except (
            ApplicationError
        ) as exc:  # every refusal is about what was typed; a replayed one is an ApplicationError
            show_refusal(form, exc)
        else:
            messages.success(
                request,
                _("Granted %(hours)s from the community fund to %(name)s.")
                % {"hours": hours(data["minutes"]), "name": member.display_name},
            )
            return redirect("web:fund", community.slug)
    form.renew_key()
    return _fund_page(request, community, forms={"grant": form}, status=400)
