"""Recording hours, answering a record, and an exchange's page; for coordinators, brokered
exchanges, paper slips, disputes and reversals.

Member actions are done for `acting_member(request, community)`: the signed-in person, or the
member a coordinator acts for, passed to the services as `on_behalf_of`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from coproduce.exchanges import access as exchange_access
from coproduce.exchanges.models import ExchangeStatus
from coproduce.exchanges.selectors import exchanges as exchanges_selectors
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.exchanges.selectors import references as references_selectors
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import references as references_services
from coproduce.governance.models import DisputeSubject
from coproduce.governance.selectors import disputes as disputes_selectors
from coproduce.governance.services import disputes as disputes_services
from coproduce.ledger.errors import LimitExceeded
from coproduce.ledger.selectors.amounts import hours

from ..decorators import community_view
from ..forms.common import MEMBER_SUGGESTIONS, OlderForm, ReasonForm, show_refusal
from ..forms.exchanges import (
    DECLINE_FORM,
    DISPUTE_FORM,
    REVERSE_FORM,
    EntryForm,
    ExchangeReferenceForm,
    RecordForm,
    SettleForm,
)
from ..middleware import SignedInRequest, acting_member, on_behalf_of

PAGE_SIZE = 50


def answer_forms(exchange) -> dict:
    """The decline and dispute forms of one exchange; prefixed with its id, so a list of
    exchanges can hold one pair each."""
    return {
        "decline": ReasonForm(prefix=f"decline-{exchange.pk}", **DECLINE_FORM),
        "dispute": ReasonForm(prefix=f"dispute-{exchange.pk}", **DISPUTE_FORM),
    }


def _back(request, community, exchange) -> HttpResponse:
    """After an action: back to the list it was taken from, or the exchange's page."""
    back = request.POST.get("back")
    if back == "to_confirm":
        return redirect("web:exchanges_to_confirm", community.slug)
    if back == "disputes":
        return redirect("web:exchange_disputes", community.slug)
    return redirect("web:exchange_detail", community.slug, exchange.pk)


def _names(people) -> str:
    return str(get_text_list([p.display_name for p in people], _("and")))


# Members -------------------------------------------------------------------------------------


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def record(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    acting = person.pk != request.user.pk
    status = 200
    listing = None
    if request.method == "POST":
        form = RecordForm(request.POST, community=community, person=person, acting=acting)
        if form.is_valid():
            data = form.cleaned_data
            others = data["others"]
            providers, recipients = (
                ([person], others) if data["direction"] == "gave" else (others, [person])
            )
            try:
                exchange = exchanges_services.exchange_record(
                    actor=request.user,
                    community=community,
                    idempotency_key=data["idempotency_key"],
                    providers=providers,
                    recipients=recipients,
                    minutes=data["minutes"],
                    effective_on=data["effective_on"],
                    title=data["title"],
                    category=data["category"],
                    note=data["note"],
                    on_behalf_of=on_behalf_of(request, person),
                    expenses=form.expenses(),
                    listing_id=data.get("listing_id"),
                )
            except ApplicationError as exc:
                # every refusal is about what was typed; a replayed one is an ApplicationError
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("Recorded. %(names)s will be asked to confirm.") % {"names": _names(others)},
                )
                return redirect("web:exchange_detail", community.slug, exchange.pk)
        form.renew_key()
        status = 400
        listing = _listing_for(request, community, form.cleaned_data.get("listing_id"))
    else:
        initial = {"effective_on": communities_selectors.local_today(community)}
        listing_ref = request.GET.get("listing", "")
        if listing_ref:
            # "Record hours for this offer" on a listing: the other member, what and its category
            # come from it.
            listing_id = (
                int(listing_ref)
                if listing_ref.isascii() and listing_ref.isdigit() and len(listing_ref) < 19
                else 0
            )
            listing = listings_selectors.listing_get(community, request.user, listing_id)
            initial.update(_from_listing(community, listing, person, request.GET.get("with", "")))
        form = RecordForm(community=community, person=person, acting=acting, initial=initial)
    return render(
        request,
        "web/exchanges/record.html",
        {
            "community": community,
            "form": form,
            "person": person,
            "listing": listing,
            "members": directory_selectors.member_directory(community, limit=MEMBER_SUGGESTIONS),
        },
        status=status,
    )


def _from_listing(community, listing, person, with_number: str = "") -> dict:
    """What the record form starts with when the hours are for a listing: an offer
    means its owner gives the help, a request that they receive it. The owner arranging from
    their own listing (from a conversation about it) names the other member with `with`."""
    mine = listing.owner_id == person.pk
    values = {
        "listing_id": listing.pk,
        "title": listing.title,
        "category": listing.category.name,
        "direction": "received" if (listing.kind == "offer") != mine else "gave",
    }
    other = None
    if not mine:
        other = access.membership_of(listing.owner, community)
    elif with_number.isascii() and with_number.isdigit() and len(with_number) < 10:
        try:
            other = memberships_selectors.membership_by_number(community, int(with_number))
        except ApplicationError:
            other = None  # a stale link: the form asks who it was
    if other is not None and other.person_id != person.pk:
        values["person_1"] = f"{other.person.display_name} ({other.member_code})"
    return values


def _listing_for(request, community, listing_id):
    """The listing a refused form was for, to show it again (None if it is not one)."""
    if not listing_id:
        return None
    try:
        return listings_selectors.listing_get(community, request.user, listing_id)
    except ApplicationError:
        return None


@login_required
@community_view
@require_GET
def to_confirm(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    exchanges = exchanges_selectors.exchanges_to_confirm(community, person)
    return render(
        request,
        "web/exchanges/to_confirm.html",
        {
            "community": community,
            "person": person,
            "items": [(exchange, answer_forms(exchange)) for exchange in exchanges],
        },
    )


@login_required
@community_view
@require_GET
def exchange_list(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    person = acting_member(request, community)
    form = OlderForm(request.GET)
    before = form.cleaned_data["before"] if form.is_valid() else None
    page = exchanges_selectors.exchange_page(community, person, before_id=before, limit=PAGE_SIZE)
    return render(
        request,
        "web/exchanges/list.html",
        {
            "community": community,
            "person": person,
            "page": page,
            "paged": before is not None,
        },
    )


def _exchange_page(request, community, exchange_id: int, *, forms=None, status=200) -> HttpResponse:
    person = acting_member(request, community)
    coordinates = access.is_coordinator(request.user, community)
    detail = exchanges_selectors.exchange_detail(
        community, exchange_id, person=person, coordinates=coordinates
    )
    exchange_access.access_exchange(request.user, detail.exchange)
    exchange = detail.exchange
    actions = detail.actions
    # A refusal for an action the page no longer offers (it was answered meanwhile) is shown at the
    # top.
    reference_subjects = references_selectors.reference_subjects(exchange, person)
    offered = {
        "decline": actions.answer,
        "dispute": actions.dispute,
        "settle": actions.settle,
        "reverse": actions.reverse,
        "reference": bool(reference_subjects),
    }
    refused_forms = [
        form for name, form in (forms or {}).items() if form.errors and not offered[name]
    ]
    forms = {**answer_forms(exchange), **(forms or {})}
    dispute = (
        disputes_selectors.dispute_for_exchange(exchange)
        if exchange.status == ExchangeStatus.DISPUTED
        else None
    )
    return render(
        request,
        "web/exchanges/detail.html",
        {
            "community": community,
            "person": person,
            "detail": detail,
            "exchange": exchange,
            "coordinates": coordinates,
            "actions": actions,
            "dispute": dispute,
            "refused_forms": refused_forms,
            "answer_forms": {"decline": forms["decline"], "dispute": forms["dispute"]},
            "settle_form": forms.get("settle") or SettleForm(prefix=f"settle-{exchange.pk}"),
            "reverse_form": forms.get("reverse")
            or ReasonForm(prefix=f"reverse-{exchange.pk}", **REVERSE_FORM),
            "reference_form": forms.get("reference")
            or ExchangeReferenceForm(prefix="reference", subjects=reference_subjects),
            "references": references_selectors.references_of_exchange(exchange, request.user),
        },
        status=status,
    )


@login_required
@community_view
@require_GET
def exchange_detail(request: SignedInRequest, community, exchange_id: int) -> HttpResponse:
    access.access_community(request.user, community)
    return _exchange_page(request, community, exchange_id)


def _answerable(request, community, exchange_id: int):
    """The exchange, if the viewer may see it, and the person answering it."""
    access.access_community(request.user, community)
    person = acting_member(request, community)
    exchange = exchanges_selectors.exchange_get(community, exchange_id)
    exchange_access.access_exchange(request.user, exchange)
    return exchange, person


@login_required
@community_view
@require_POST
def exchange_confirm(request: SignedInRequest, community, exchange_id: int) -> HttpResponse:
    exchange, person = _answerable(request, community, exchange_id)
    try:
        done = answers_services.exchange_confirm(
            actor=request.user, exchange=exchange, on_behalf_of=on_behalf_of(request, person)
        )
    except (Conflict, LimitExceeded) as exc:
        messages.error(request, exc.message)
    else:
        said = _("Confirmed: %(hours)s for %(what)s. The hours are posted.") % {
            "hours": hours(exchange.minutes or 0),
            "what": exchange.title or exchange.category or _("the exchange"),
        }
        subjects = references_selectors.reference_subjects(done, person, just_confirmed=True)
        if subjects:
            # Wherever the confirmation lands (the list or the exchange), it leads to the reference
            # form.
            said = format_html(
                '{} <a href="{}#leave-reference">{}</a>',
                said,
                reverse("web:exchange_detail", args=[community.slug, exchange.pk]),
                _("How did it go? Leave a reference about %(names)s.")
                % {"names": _names(subjects)},
            )
        messages.success(request, said)
    return _back(request, community, exchange)


@login_required
@community_view
@require_POST
def exchange_decline(request: SignedInRequest, community, exchange_id: int) -> HttpResponse:
    exchange, person = _answerable(request, community, exchange_id)
    form = ReasonForm(request.POST, prefix=f"decline-{exchange.pk}", **DECLINE_FORM)
    if form.is_valid():
        try:
            answers_services.exchange_decline(
                actor=request.user,
                exchange=exchange,
                reason=form.cleaned_data["reason"],
                on_behalf_of=on_behalf_of(request, person),
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return _back(request, community, exchange)
        else:
            messages.success(request, _("Declined. No hours were posted."))
            return _back(request, community, exchange)
    return _exchange_page(request, community, exchange.pk, forms={"decline": form}, status=400)


@login_required
@community_view
@require_POST
def exchange_dispute(request: SignedInRequest, community, exchange_id: int) -> HttpResponse:
    exchange, person = _answerable(request, community, exchange_id)
    form = ReasonForm(request.POST, prefix=f"dispute-{exchange.pk}", **DISPUTE_FORM)
    if form.is_valid():
        try:
            opened = disputes_services.dispute_open(
                actor=request.user,
                community=community,
                subject=DisputeSubject.EXCHANGE,
                exchange=exchange,
                summary=form.cleaned_data["reason"],
                on_behalf_of=on_behalf_of(request, person),
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except Conflict as exc:
            messages.error(request, exc.message)
            return _back(request, community, exchange)
        else:
            messages.success(
                request,
                _(
                    "Thank you. %(code)s is open. A coordinator will look into it and assign a "
                    "mediator; no hours move until it is settled."
                )
                % {"code": opened.code},
            )
            return _back(request, community, exchange)
    return _exchange_page(request, community, exchange.pk, forms={"dispute": form}, status=400)


# Coordinators --------------------------------------------------------------------------------


def _entry(request: SignedInRequest, community, *, slip: bool) -> HttpResponse:
    access.access_coordinate(request.user, community)
    status = 200
    if request.method == "POST":
        form = EntryForm(request.POST, community=community, slip=slip)
        if form.is_valid():
            data = form.cleaned_data
            giver, receiver = data["giver"].person, data["receiver"].person
            try:
                exchange = exchanges_services.exchange_enter(
                    actor=request.user,
                    community=community,
                    idempotency_key=data["idempotency_key"],
                    providers=[giver],
                    recipients=[receiver],
                    minutes=data["minutes"],
                    effective_on=data["effective_on"],
                    title=data["title"],
                    category=data["category"],
                    note=data["note"],
                    slip_number=data.get("slip_number", ""),
                )
            except ApplicationError as exc:
                # every refusal is about what was typed; a replayed one is an ApplicationError
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("Entered and posted: %(giver)s gave %(receiver)s %(hours)s.")
                    % {
                        "giver": giver.display_name,
                        "receiver": receiver.display_name,
                        "hours": hours(data["minutes"]),
                    },
                )
                return redirect("web:exchange_detail", community.slug, exchange.pk)
        form.renew_key()
        status = 400
    else:
        form = EntryForm(
            community=community,
            slip=slip,
            initial={"effective_on": communities_selectors.local_today(community)},
        )
    return render(
        request,
        "web/exchanges/entry.html",
        {
            "community": community,
            "form": form,
            "slip": slip,
            "members": directory_selectors.member_directory(community, limit=MEMBER_SUGGESTIONS),
        },
        status=status,
    )


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def exchange_broker(request: SignedInRequest, community) -> HttpResponse:
    return _entry(request, community, slip=False)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def exchange_slip(request: SignedInRequest, community) -> HttpResponse:
    return _entry(request, community, slip=True)


@login_required
@community_view
@require_GET
def exchange_disputes(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    disputed = exchanges_selectors.disputed(community)
    with_dispute = disputes_selectors.disputes_by_exchange(disputed)
    return render(
        request,
        "web/exchanges/disputes.html",
        {
            "community": community,
            "items": [
                (
                    exchange,
                    SettleForm(prefix=f"settle-{exchange.pk}"),
                    with_dispute.get(exchange.pk),
                )
                for exchange in disputed
            ],
        },
    )


@login_required
@community_view
@require_POST
def exchange_settle(request: SignedInRequest, community, exchange_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    exchange = exchanges_selectors.exchange_get(community, exchange_id)
    form = SettleForm(request.POST, prefix=f"settle-{exchange.pk}")
    if form.is_valid():
        confirm = form.cleaned_data["outcome"] == "confirm"
        try:
            disputes_services.disputed_exchange_resolve(
                actor=request.user,
                exchange=exchange,
                confirm=confirm,
                note=form.cleaned_data["note"],
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except (Conflict, LimitExceeded) as exc:
            messages.error(request, exc.message)
            return _back(request, community, exchange)
        else:
            messages.success(
                request,
                _("Settled: the hours are posted.")
                if confirm
                else _("Settled: declined, no hours were posted."),
            )
            return _back(request, community, exchange)
    return _exchange_page(request, community, exchange.pk, forms={"settle": form}, status=400)


@login_required
@community_view
@require_POST
def exchange_reverse(request: SignedInRequest, community, exchange_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    exchange = exchanges_selectors.exchange_get(community, exchange_id)
    form = ReasonForm(request.POST, prefix=f"reverse-{exchange.pk}", **REVERSE_FORM)
    if form.is_valid():
        try:
            answers_services.exchange_reverse(
                actor=request.user, exchange=exchange, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except (Conflict, LimitExceeded) as exc:
            messages.error(request, exc.message)
            return redirect("web:exchange_detail", community.slug, exchange.pk)
        else:
            messages.success(
                request,
                _("Reversed: %(hours)s. Both members have been told why.")
                % {"hours": hours(exchange.minutes or 0)},
            )
            return redirect("web:exchange_detail", community.slug, exchange.pk)
    return _exchange_page(request, community, exchange.pk, forms={"reverse": form}, status=400)


@login_required
@community_view
@require_POST
def exchange_reference(request: SignedInRequest, community, exchange_id: int) -> HttpResponse:
    """A participant (or a coordinator for them) leaves a reference after a confirmed exchange."""
    exchange, person = _answerable(request, community, exchange_id)
    subjects = references_selectors.reference_subjects(exchange, person)
    form = ExchangeReferenceForm(request.POST, prefix="reference", subjects=subjects)
    if form.is_valid():
        data = form.cleaned_data
        subject = next(p for p in subjects if p.pk == data["subject"])
        try:
            reference = references_services.reference_leave(
                actor=request.user,
                exchange=exchange,
                subject=subject,
                kind=data["kind"],
                text=data["text"],
                on_behalf_of=on_behalf_of(request, person),
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        except (Conflict, PermissionDenied) as exc:
            messages.error(request, exc.message)
            return redirect("web:exchange_detail", community.slug, exchange.pk)
        else:
            if reference.kind == "concern":
                messages.success(
                    request, _("Thank you. Your concern has gone privately to the coordinators.")
                )
            else:
                messages.success(
                    request,
                    _("Thank you. Your reference about %(name)s is saved.")
                    % {"name": subject.display_name},
                )
            return redirect("web:exchange_detail", community.slug, exchange.pk)
    return _exchange_page(request, community, exchange.pk, forms={"reference": form}, status=400)
