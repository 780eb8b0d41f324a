"""Spend partners: where members can spend their credits, the door page where a partner's staff
take a redemption (works on a phone, with or without JavaScript, and with a handheld scanner
that types the member card's QR code into the member number field), receipts and the partner's
report. Coordinators add partners and offers here too."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.services.profiles import AVAILABILITY_SLOTS
from coproduce.coproduction import access as coproduction_access
from coproduce.coproduction.selectors import partners as partners_selectors
from coproduce.coproduction.services import partners as partners_services
from coproduce.core.errors import ApplicationError, NotFound
from coproduce.ledger.selectors.accounts import account_of

from ..decorators import community_view
from ..forms.common import AVAILABILITY_CHOICES, show_refusal
from ..forms.partners import DoorCheckForm, OfferForm, PartnerForm, RedeemForm
from ..middleware import SignedInRequest

SLOT_LABELS = dict(AVAILABILITY_CHOICES)


def _partner(community, partner_id: int):
    return partners_selectors.partner_get(community, partner_id)


def _times(offer) -> str:
    return ", ".join(str(SLOT_LABELS.get(t, t)) for t in offer.times)


# Members: where credits can be spent ------------------------------------------------------------


@login_required
@community_view
@require_GET
def partner_list(request: SignedInRequest, community) -> HttpResponse:
    membership = access.access_community(request.user, community)
    found = list(partners_selectors.partners_of(community))
    # The page says "show your member card": link the card and say what is on the balance.
    # Operators have no membership (number 0), so no card and no balance.
    account = account_of(community, request.user) if membership.number else None
    return render(
        request,
        "web/partners/list.html",
        {
            "community": community,
            "partners": found,
            "card_number": membership.number or None,
            "balance_minutes": account.balance_minutes if account is not None else None,
            "desks": [
                p
                for p in found
                if coproduction_access.is_partner_staff(request.user, p)
                and not access.is_coordinator(request.user, community)
            ],
            "is_coordinator": access.is_coordinator(request.user, community),
            "form": PartnerForm(),
        },
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def partner_add(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    if request.method == "GET":  # the form is at the foot of the list of places
        return redirect(reverse("web:partner_list", args=[community.slug]) + "#add")
    form = PartnerForm(request.POST)
    if form.is_valid():
        try:
            partner = partners_services.partner_create(
                actor=request.user, community=community, **form.cleaned_data
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("%(name)s added.") % {"name": partner.name})
            return redirect("web:partner_detail", community.slug, partner.pk)
    return render(
        request,
        "web/partners/list.html",
        {
            "community": community,
            "partners": list(partners_selectors.partners_of(community)),
            "desks": [],
            "is_coordinator": True,
            "form": form,
            "card_number": None,
            "balance_minutes": None,
        },
        status=400,
    )


def _detail(request, community, partner, *, offer_form=None, status=200) -> HttpResponse:
    coproduction_access.access_partner(request.user, partner)
    offers = [(o, _times(o)) for o in partners_selectors.offers_of(partner)]
    may_manage = True
    try:
        coproduction_access.access_manage_offers(request.user, partner)
    except ApplicationError:
        may_manage = False
    return render(
        request,
        "web/partners/detail.html",
        {
            "community": community,
            "partner": partner,
            "offers": offers,
            "may_manage": may_manage,
            "is_staff": coproduction_access.is_partner_staff(request.user, partner),
            "is_coordinator": access.is_coordinator(request.user, community),
            "offer_form": offer_form or OfferForm(),
            "slots": AVAILABILITY_SLOTS,
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def partner_detail(request: SignedInRequest, community, partner_id: int) -> HttpResponse:
    partner = _partner(community, partner_id)
    if partner.is_archived:
        raise NotFound("No such partner.")
    return _detail(request, community, partner)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def partner_edit(request: SignedInRequest, community, partner_id: int) -> HttpResponse:
    """Coordinators change a partner's name, place and description, or archive it."""
    access.access_coordinate(request.user, community)
    partner = _partner(community, partner_id)
    if partner.is_archived:
        raise NotFound("No such partner.")
    status = 200
    if request.method == "POST":
        form = PartnerForm(request.POST)
        if form.is_valid():
            try:
                partners_services.partner_update(
                    actor=request.user, partner=partner, **form.cleaned_data
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("web:partner_detail", community.slug, partner.pk)
        status = 400
    else:
        form = PartnerForm(
            initial={
                "name": partner.name,
                "place": partner.place,
                "description": partner.description,
            }
        )
    return render(
        request,
        "web/partners/edit.html",
        {"community": community, "partner": partner, "form": form},
        status=status,
    )


@login_required
@community_view
@require_POST
def partner_archive(request: SignedInRequest, community, partner_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    partner = partners_services.partner_archive(
        actor=request.user, partner=_partner(community, partner_id)
    )
    messages.success(
        request,
        _("%(name)s no longer takes credits. Its report and receipts are kept.")
        % {"name": partner.name},
    )
    return redirect("web:partner_list", community.slug)


@login_required
@community_view
@require_POST
def offer_add(request: SignedInRequest, community, partner_id: int) -> HttpResponse:
    partner = _partner(community, partner_id)
    coproduction_access.access_manage_offers(request.user, partner)
    form = OfferForm(request.POST)
    if form.is_valid():
        try:
            partners_services.offer_create(actor=request.user, partner=partner, **form.cleaned_data)
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Offer added."))
            return redirect("web:partner_detail", community.slug, partner.pk)
    return _detail(request, community, partner, offer_form=form, status=400)


@login_required
@community_view
@require_POST
def offer_deactivate(
    request: SignedInRequest, community, partner_id: int, offer_id: int
) -> HttpResponse:
    partner = _partner(community, partner_id)
    offer = partners_selectors.offer_get(partner, offer_id)
    partners_services.offer_deactivate(actor=request.user, offer=offer)
    messages.success(request, _("%(title)s is no longer offered.") % {"title": offer.title})
    return redirect("web:partner_detail", community.slug, partner.pk)


# The door -------------------------------------------------------------------------------------


def _door(request, community, partner, *, check_form, redeem_form=None, status=200) -> HttpResponse:
    offers = list(partners_selectors.offers_of(partner))
    check = None
    if redeem_form is None and check_form.is_bound and check_form.is_valid():
        try:
            check = partners_selectors.member_check(partner, check_form.cleaned_data["member"])
        except ApplicationError as exc:
            show_refusal(check_form, exc)
            status = 400
        else:
            redeem_form = RedeemForm(
                offers=offers, initial={"member_ref": check_form.cleaned_data["member"]}
            )
    elif redeem_form is not None:
        try:
            check = partners_selectors.member_check(partner, redeem_form.data.get("member_ref", ""))
        except ApplicationError as exc:
            show_refusal(redeem_form, exc)
    rows = []
    if check is not None:
        for offer in offers:
            limit = offer.per_member_per_month
            rows.append(
                {
                    "offer": offer,
                    "times": _times(offer),
                    "can_pay": check.can_pay.get(offer.pk),
                    "used": check.used_this_month.get(offer.pk, 0),
                    "left": None
                    if limit is None
                    else max(0, limit - check.used_this_month.get(offer.pk, 0)),
                }
            )
    return render(
        request,
        "web/partners/door.html",
        {
            "community": community,
            "partner": partner,
            "check_form": check_form,
            "check": check,
            "redeem_form": redeem_form,
            "rows": rows,
            "offers": offers,
            "recent": partners_selectors.redemptions_recent(partner, limit=5),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def door(request: SignedInRequest, community, partner_id: int) -> HttpResponse:
    partner = _partner(community, partner_id)
    coproduction_access.access_partner_desk(request.user, partner)
    check_form = DoorCheckForm(request.GET) if "member" in request.GET else DoorCheckForm()
    return _door(request, community, partner, check_form=check_form)


@login_required
@community_view
@require_POST
def redeem(request: SignedInRequest, community, partner_id: int) -> HttpResponse:
    partner = _partner(community, partner_id)
    coproduction_access.access_partner_desk(request.user, partner)
    offers = list(partners_selectors.offers_of(partner))
    form = RedeemForm(request.POST, offers=offers)
    if form.is_valid():
        data = form.cleaned_data
        try:
            redemption = partners_services.redemption_create(
                actor=request.user,
                partner=partner,
                offer=partners_selectors.offer_get(partner, data["offer"]),
                member_ref=data["member_ref"],
                adults=data["adults"],
                children=data["children"],
                idempotency_key=data["idempotency_key"],
            )
        except ApplicationError as exc:  # every refusal is about what was entered
            show_refusal(form, exc)
        else:
            return redirect(
                "web:partner_receipt", community.slug, partner.pk, redemption.receipt_number
            )
    form.renew_key()
    check_form = DoorCheckForm(initial={"member": request.POST.get("member_ref", "")})
    return _door(request, community, partner, check_form=check_form, redeem_form=form, status=400)


@login_required
@community_view
@require_GET
def receipt(
    request: SignedInRequest, community, partner_id: int, receipt_number: str
) -> HttpResponse:
    partner = _partner(community, partner_id)
    redemption = partners_selectors.redemption_get(partner, receipt_number)
    if redemption.person_id != request.user.pk:
        coproduction_access.access_partner_desk(request.user, partner)
    return render(
        request,
        "web/partners/receipt.html",
        {
            "community": community,
            "partner": partner,
            "redemption": redemption,
            "is_staff": coproduction_access.is_partner_staff(request.user, partner),
            "is_coordinator": access.is_coordinator(request.user, community),
        },
    )


# The partner's report -------------------------------------------------------------------------


@login_required
@community_view
@require_GET
def report(request: SignedInRequest, community, partner_id: int) -> HttpResponse:
    partner = _partner(community, partner_id)
    coproduction_access.access_partner_desk(request.user, partner)
    rows = partners_selectors.partner_report(partner)
    return render(
        request,
        "web/partners/report.html",
        {
            "community": community,
            "partner": partner,
            "rows": rows,
            "total_minutes": sum(r.minutes for r in rows),
            "total_redemptions": sum(r.redemptions for r in rows),
        },
    )


@login_required
@community_view
@require_GET
def report_csv(request: SignedInRequest, community, partner_id: int) -> HttpResponse:
    partner = _partner(community, partner_id)
    coproduction_access.access_partner_desk(request.user, partner)
    response = HttpResponse(
        partners_selectors.partner_report_csv(partner), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="redemptions-{partner.slug}.csv"'
    return response
