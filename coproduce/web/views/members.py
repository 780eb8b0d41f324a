"""The member directory, a member's page (with the coordinator's record), the member card, and
acting on a member's behalf."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.communities.models import GiftKind, Role
from coproduce.communities.selectors import directory as directory_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.services import acting_for as acting_for_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import notes as notes_services
from coproduce.communities.services import offboarding as offboarding_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.core.errors import Conflict, ValidationFailed
from coproduce.exchanges.selectors import references as references_selectors

from ..decorators import community_view
from ..forms.common import ReasonForm, show_refusal
from ..forms.members import DirectorySearchForm, MemberRoleForm, NoteForm, VettingCheckForm
from ..forms.sign_in import ChoosePasswordForm
from ..middleware import ACTING_FOR_SESSION_KEY, SignedInRequest

PAGE_SIZE = 50


@login_required
@community_view
@require_GET
def directory(request: SignedInRequest, community) -> HttpResponse:
    access.access_community(request.user, community)
    form = DirectorySearchForm(request.GET)
    q, after = (
        (form.cleaned_data["q"], form.cleaned_data["after"]) if form.is_valid() else ("", None)
    )
    page = directory_selectors.member_directory_page(
        request.user, community, q=q, after_number=after, limit=PAGE_SIZE
    )
    return render(
        request,
        "web/members/directory.html",
        {
            "community": community,
            "form": form,
            "page": page,
            "q": q,
            "paged": after is not None,
        },
    )


def _member(request, community, number: int):
    """The membership at this number, if the viewer may see it (NotFound otherwise)."""
    membership = memberships_selectors.membership_by_number(community, number)
    access.access_member_record(request.user, community, membership)
    return membership


def _member_page(request, community, membership, *, forms=None, status=200) -> HttpResponse:
    """The member's page. Checks, notes, roles and history are loaded for coordinators only."""
    coordinates = access.is_coordinator(request.user, community)
    forms = forms or {}
    member = directory_selectors.member_view(
        request.user, membership, viewer_coordinates=coordinates
    )
    gifts: dict[str, list] = {}
    for gift in member.gifts:
        gifts.setdefault(GiftKind(gift.kind).label, []).append(gift.description)
    context = {
        "community": community,
        "member": member,
        "gifts": gifts,
        "is_self": membership.person_id == request.user.pk,
        "coordinates": coordinates,
        "references": references_selectors.references_about(
            community, membership.person, request.user
        ),
    }
    if coordinates:
        context.update(
            record=memberships_selectors.member_record(community, membership.person),
            check_form=forms.get("check") or VettingCheckForm(prefix="check"),
            note_form=forms.get("note") or NoteForm(prefix="note"),
            roles=[(role, role.value in member.roles) for role in Role if role != Role.MEMBER],
        )
        if access.can_give_sign_in(request.user, community, membership):
            # A way in for a member who has none (views.sign_in): a first password or a letter.
            context.update(
                give_sign_in=True,
                has_password=membership.person.has_usable_password(),
                first_password_form=forms.get("first_password")
                or ChoosePasswordForm(person=membership.person, prefix="first_password"),
            )
    return render(request, "web/members/detail.html", context, status=status)


@login_required
@community_view
@require_GET
def member_detail(request: SignedInRequest, community, number: int) -> HttpResponse:
    """A member's page. Writing to them goes through Messages (the old contact relay form is
    gone; notes left with it are still on the coordinators' dashboard)."""
    membership = _member(request, community, number)
    return _member_page(request, community, membership)


@login_required
@community_view
@require_GET
def member_card(request: SignedInRequest, community, number: int) -> HttpResponse:
    membership = memberships_selectors.membership_by_number(community, number)
    access.access_member_card(request.user, community, membership)
    return render(
        request, "web/members/card.html", {"community": community, "membership": membership}
    )


@login_required
@community_view
@require_POST
def member_check(request: SignedInRequest, community, number: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    membership = _member(request, community, number)
    form = VettingCheckForm(request.POST, prefix="check")
    if form.is_valid():
        try:
            vetting_services.check_record(
                actor=request.user,
                community=community,
                person=membership.person,
                **form.cleaned_data,
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The check has been recorded."))
            return redirect("web:member_detail", community.slug, number)
    return _member_page(request, community, membership, forms={"check": form}, status=400)


@login_required
@community_view
@require_POST
def member_note(request: SignedInRequest, community, number: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    membership = _member(request, community, number)
    form = NoteForm(request.POST, prefix="note")
    if form.is_valid():
        try:
            notes_services.person_note_add(
                actor=request.user,
                community=community,
                person=membership.person,
                text=form.cleaned_data["text"],
            )
        except ValidationFailed as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("The note has been added."))
            return redirect("web:member_detail", community.slug, number)
    return _member_page(request, community, membership, forms={"note": form}, status=400)


@login_required
@community_view
@require_POST
def member_role(request: SignedInRequest, community, number: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    membership = _member(request, community, number)
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role to give or take away."))
        return redirect("web:member_detail", community.slug, number)
    role, granted = form.cleaned_data["role"], form.cleaned_data["granted"]
    try:
        memberships_services.role_set(
            actor=request.user, membership=membership, role=role, granted=granted
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
    else:
        label = Role(role).label
        messages.success(
            request,
            (_("%(name)s is now %(role)s.") if granted else _("%(name)s is no longer %(role)s."))
            % {"name": membership.person.display_name, "role": label.lower()},
        )
    return redirect("web:member_detail", community.slug, number)


@login_required
@community_view
@require_POST
def acting_start(request: SignedInRequest, community, number: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    membership = _member(request, community, number)
    try:
        acting_for_services.acting_for_start(actor=request.user, membership=membership)
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        return redirect("web:member_detail", community.slug, number)
    request.session[ACTING_FOR_SESSION_KEY] = membership.pk
    messages.success(
        request,
        _("You are now acting for %(name)s. Their pages are below.")
        % {"name": membership.person.display_name},
    )
    return redirect("web:home")


@login_required
@require_POST
def acting_stop(request: SignedInRequest) -> HttpResponse:
    membership = request.acting_for
    request.session.pop(ACTING_FOR_SESSION_KEY, None)
    if membership is None:
        return redirect("web:home")
    acting_for_services.acting_for_stop(actor=request.user, membership=membership)
    messages.success(
        request,
        _("You have stopped acting for %(name)s.") % {"name": membership.person.display_name},
    )
    return redirect("web:member_detail", membership.community.slug, membership.number)


@login_required
@community_view
@require_http_methods(["GET", "POST"])
def member_offboard(request: SignedInRequest, community, number: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    membership = _member(request, community, number)
    form_options = {
        "label": _("Why is this member leaving?"),
        "help_text": _("Kept in the member's history, seen by coordinators only."),
        "required_message": _("Give a reason for the member leaving."),
    }
    status = 200
    if request.method == "POST":
        form = ReasonForm(request.POST, **form_options)
        if form.is_valid():
            try:
                offboarding_services.member_offboard(
                    actor=request.user, membership=membership, reason=form.cleaned_data["reason"]
                )
            except (ValidationFailed, Conflict) as exc:
                show_refusal(form, exc)
            else:
                messages.success(
                    request,
                    _("%(code)s has left %(community)s.")
                    % {"code": membership.member_code, "community": community.name},
                )
                return redirect("web:coordinator_dashboard", community.slug)
        status = 400
    else:
        form = ReasonForm(**form_options)
    return render(
        request,
        "web/members/offboard.html",
        {
            "community": community,
            "membership": membership,
            "form": form,
        },
        status=status,
    )
