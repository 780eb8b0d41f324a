"""Referrals in from professionals: the referral form for an agency's staff, the agency's list of
its referrals (outcomes only), and the coordinators' queue and referral page where they record
how the follow-up went.

What an agency's staff see of a referral is `referrals.referral_outcome`: never the person's
contact details, what matters to them or the coordinators' notes; their name only when they
agreed to it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.coproduction.access import access_staff_work
from coproduce.coproduction.models import ReferralStatus
from coproduce.coproduction.selectors import referrals as referrals_selectors
from coproduce.coproduction.services import referrals as referrals_services
from coproduce.core.errors import ApplicationError, Conflict

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.referrals import ReferralForm, StatusForm
from ..middleware import SignedInRequest

STATUS_BUTTONS = {
    ReferralStatus.CONTACTED: gettext_lazy("Mark contacted"),
    ReferralStatus.JOINED: gettext_lazy("Mark joined"),
    ReferralStatus.FIRST_EXCHANGE: gettext_lazy("Mark first exchange made"),
    ReferralStatus.DECLINED: gettext_lazy("Mark declined"),
}


# Agency staff ---------------------------------------------------------------------------------


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def referral_create(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    agency = referrals_selectors.referral_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    roles = referrals_selectors.roles_to_refer_to(community)
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST, roles=roles)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referrals_services.referral_create(
                    actor=request.user,
                    agency=agency,
                    target=data["target"],
                    role=referrals_selectors.referral_role(community, data["role"]),
                    group_name=data["group_name"],
                    full_name=data["full_name"],
                    phone=data["phone"],
                    email=data["email"],
                    what_matters=data["what_matters"],
                    consent_given=data["consent_given"],
                    consent_note=data["consent_note"],
                    share_with_referrer=data["share_with_referrer"],
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Thank you. The referral is with the coordinators, who will get in "
                        "touch with the person. You can follow how it goes here."
                    ),
                )
                return redirect("web:agency_referrals", community.slug, agency.slug)
        status = 400
    else:
        form = ReferralForm(roles=roles)
    return render(
        request,
        "web/referrals/form.html",
        {
            "community": community,
            "agency": agency,
            "form": form,
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def agency_referrals(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    """The agency's referrals: when, to what, and how it is going. Nothing more."""
    agency = referrals_selectors.referral_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    outcomes = [
        referrals_selectors.referral_outcome(r)
        for r in referrals_selectors.referrals_of_agency(agency)[:200]
    ]
    counts = referrals_selectors.referral_counts(agency)
    return render(
        request,
        "web/referrals/agency.html",
        {
            "community": community,
            "agency": agency,
            "outcomes": outcomes,
            "summary": [(label, counts[value]) for value, label in ReferralStatus.choices],
        },
    )


# Coordinators ----------------------------------------------------------------------------------


@login_required
@community_view
@require_GET
def referral_queue(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    rows = list(referrals_selectors.referrals_queue(community)[:300])
    open_statuses = {ReferralStatus.REFERRED, ReferralStatus.CONTACTED, ReferralStatus.JOINED}
    return render(
        request,
        "web/referrals/queue.html",
        {
            "community": community,
            "new": [r for r in rows if r.status == ReferralStatus.REFERRED],
            "following": [r for r in rows if r.status in open_statuses - {ReferralStatus.REFERRED}],
            "closed": [r for r in rows if r.status not in open_statuses],
        },
    )


def _detail_page(request, community, referral, *, form=None, status=200) -> HttpResponse:
    following = referrals_services.TRANSITIONS[referral.status]
    return render(
        request,
        "web/referrals/detail.html",
        {
            "community": community,
            "referral": referral,
            "form": form or StatusForm(),
            "buttons": [(s, STATUS_BUTTONS[s]) for s in STATUS_BUTTONS if s in following],
            "needs_number": ReferralStatus.JOINED in following,
            "first_exchange_made": referrals_selectors.first_exchange_made(referral),
            "events": list(referral.events.all()),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def referral_detail(request: SignedInRequest, community, referral_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    return _detail_page(
        request, community, referrals_selectors.referral_get(community, referral_id)
    )


@login_required
@community_view
@require_POST
def referral_status(request: SignedInRequest, community, referral_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    referral = referrals_selectors.referral_get(community, referral_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referrals_services.referral_update_status(
                actor=request.user,
                referral=referral,
                status=data["status"],
                member_number=data["member_number"],
                note=data["note"],
            )
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:referral_detail", community.slug, referral.pk)
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request, _("Saved: %(status)s.") % {"status": ReferralStatus(data["status"]).label}
            )
            return redirect("web:referral_detail", community.slug, referral.pk)
    return _detail_page(request, community, referral, form=form, status=400)
