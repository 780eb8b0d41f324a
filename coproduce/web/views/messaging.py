"""Messages between members: the inbox, a conversation (reply, report a message, block the
other member), writing to a member, and for coordinators the reported conversations.

A coordinator acting for a member (the acting-for mode) reads that member's messages and writes
as them: the services get `on_behalf_of`, and the message shows who wrote it for whom.

Messages are relayed: nobody's email address or phone number is shown. Bodies are plain text,
escaped by the templates."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import ApplicationError, ValidationFailed
from coproduce.exchanges.selectors import listings as listings_selectors
from coproduce.messaging import access as messaging_access
from coproduce.messaging.selectors import blocks as blocks_selectors
from coproduce.messaging.selectors import conversations as conversations_selectors
from coproduce.messaging.selectors import reports as reports_selectors
from coproduce.messaging.services import blocks as blocks_services
from coproduce.messaging.services import conversations as conversations_services
from coproduce.messaging.services import reports as reports_services

from ..decorators import community_view
from ..forms.common import show_refusal
from ..forms.messaging import HandleReportForm, MessageForm, ReportForm
from ..middleware import SignedInRequest, acting_member, on_behalf_of


@login_required
@community_view
@require_GET
def inbox(request: SignedInRequest, community) -> HttpResponse:
    person = acting_member(request, community)
    messaging_access.access_messages(person, community)
    return render(
        request,
        "web/messages/inbox.html",
        {
            "community": community,
            "conversations": conversations_selectors.conversations_of(person, community),
            "person": person,
        },
    )


def _thread_page(
    request, community, conversation, person, *, form=None, status=200
) -> HttpResponse:
    participant = conversation.has(person.pk)
    return render(
        request,
        "web/messages/thread.html",
        {
            "community": community,
            "conversation": conversation,
            "participant": participant,
            "person": person,
            "acting": person.pk != request.user.pk,
            "other_number": _number(community, conversation.other) if participant else None,
            "blocked": participant and conversation.other.pk in blocks_selectors.blocked_by(person),
            "form": form or MessageForm(),
        },
        status=status,
    )


def _number(community, person) -> int | None:
    membership = access.membership_of(person, community)
    return membership.number if membership else None


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def conversation_detail(request: SignedInRequest, community, conversation_id: int) -> HttpResponse:
    person = acting_member(request, community)
    conversation = conversations_selectors.conversation_get(community, person, conversation_id)
    if request.method == "GET":
        return _thread_page(request, community, conversation, person)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            conversations_services.message_send(
                actor=request.user,
                conversation=conversation,
                body=form.cleaned_data["body"],
                on_behalf_of=on_behalf_of(request, person),
            )
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Sent."))
            return redirect("web:conversation_detail", community.slug, conversation.pk)
    return _thread_page(request, community, conversation, person, form=form, status=400)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def conversation_new(request: SignedInRequest, community, number: int) -> HttpResponse:
    person = acting_member(request, community)
    messaging_access.access_messages(person, community)
    membership = memberships_selectors.membership_by_number(community, number)
    access.access_member_record(request.user, community, membership)
    raw_listing = (
        request.POST.get("listing") if request.method == "POST" else request.GET.get("listing")
    )
    listing = None
    if raw_listing and raw_listing.isdigit():
        listing = listings_selectors.listing_get(community, request.user, int(raw_listing))
    status = 200
    if request.method == "POST":
        form = MessageForm(request.POST)
        if form.is_valid():
            try:
                conversation = conversations_services.conversation_start(
                    actor=request.user,
                    community=community,
                    recipient=membership.person,
                    body=form.cleaned_data["body"],
                    listing=listing,
                    on_behalf_of=on_behalf_of(request, person),
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Sent. You will find the replies under Messages."))
                return redirect("web:conversation_detail", community.slug, conversation.pk)
        status = 400
    else:
        form = MessageForm(initial={"listing": listing.pk if listing else None})
    return render(
        request,
        "web/messages/new.html",
        {
            "community": community,
            "member": membership,
            "listing": listing,
            "form": form,
            "person": person,
            "acting": person.pk != request.user.pk,
        },
        status=status,
    )


@login_required
@community_view
@require_POST
def message_report(request: SignedInRequest, community, message_id: int) -> HttpResponse:
    message = conversations_selectors.message_get(community, request.user, message_id)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(e) for e in form.errors.get("reason", []))
            or _("Say briefly what is wrong."),
        )
    else:
        try:
            reports_services.message_report(
                actor=request.user, message=message, reason=form.cleaned_data["reason"]
            )
        except ValidationFailed as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Reported. The coordinators will look at it."))
    return redirect("web:conversation_detail", community.slug, message.conversation_id)


@login_required
@community_view
@require_POST
def member_block(request: SignedInRequest, community, number: int) -> HttpResponse:
    membership = memberships_selectors.membership_by_number(community, number)
    access.access_member_record(request.user, community, membership)
    unblock = request.POST.get("unblock") == "1"
    try:
        if unblock:
            blocks_services.member_unblock(
                actor=request.user, community=community, person=membership.person
            )
        else:
            blocks_services.member_block(
                actor=request.user, community=community, person=membership.person
            )
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    else:
        if unblock:
            messages.success(request, _("Unblocked. You can send each other messages again."))
        else:
            messages.success(request, _("Blocked. Neither of you can send the other messages now."))
    back = request.POST.get("conversation", "")
    if back.isdigit():
        return redirect("web:conversation_detail", community.slug, int(back))
    return redirect("web:inbox", community.slug)


# Coordinators --------------------------------------------------------------------------------


@login_required
@community_view
@require_GET
def reports(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    return render(
        request,
        "web/messages/reports.html",
        {
            "community": community,
            "conversations": reports_selectors.reported_conversations(community),
            "form": HandleReportForm(),
        },
    )


@login_required
@community_view
@require_POST
def report_handled(request: SignedInRequest, community, report_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    report = reports_selectors.report_get(community, report_id)
    form = HandleReportForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        reports_services.report_handle(actor=request.user, report=report, note=note)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Marked as dealt with."))
    return redirect("web:message_reports", community.slug)
