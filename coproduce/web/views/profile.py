"""Profile pages. While a coordinator acts for a member they edit that member; services are
called with the coordinator as actor and record the on-behalf-of."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from coproduce.communities.models import SensitiveField
from coproduce.communities.selectors import privacy as privacy_selectors
from coproduce.communities.services import privacy as privacy_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from ..decorators import domain_errors
from ..forms.common import show_refusal
from ..forms.profile import DetailsForm, GiftProfileForm, PrivacyForm, SensitiveValueForm
from ..middleware import SignedInRequest, acting_target


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def details(request: SignedInRequest) -> HttpResponse:
    person = acting_target(request)
    status = 200
    if request.method == "POST":
        form = DetailsForm(request.POST)
        if form.is_valid():
            try:
                profiles_services.person_details_update(
                    actor=request.user, person=person, **form.cleaned_data
                )
            except (ValidationFailed, Conflict) as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The details have been saved."))
                return redirect("web:home")
        status = 400
    else:
        form = DetailsForm(
            initial={
                "full_name": person.full_name,
                "known_as": person.known_as,
                "email": person.email or "",
                "phone": person.phone,
                "address": person.address,
                "neighbourhood": person.neighbourhood,
                "date_of_birth": person.date_of_birth,
                "is_offline": person.is_offline,
            }
        )
    return render(
        request, "web/profile/details.html", {"form": form, "person": person}, status=status
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def gifts(request: SignedInRequest) -> HttpResponse:
    person = acting_target(request)
    status = 200
    if request.method == "POST":
        form = GiftProfileForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                profiles_services.gift_profile_update(
                    actor=request.user,
                    person=person,
                    gifts=form.gifts(),
                    availability=data["availability"],
                    languages=data["languages"],
                    accessibility_needs=data["accessibility_needs"],
                    contact_preferences=data["contact_preferences"],
                )
            except ValidationFailed as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The gift profile has been saved."))
                return redirect("web:home")
        status = 400
    else:
        form = GiftProfileForm(initial=GiftProfileForm.initial_for(person))
    return render(
        request, "web/profile/gifts.html", {"form": form, "person": person}, status=status
    )


def _privacy_page(request, person, *, form=None, value_forms=None, status=200) -> HttpResponse:
    value_forms = value_forms or {}
    topics = [
        (
            topic,
            value_forms.get(topic.topic)
            or SensitiveValueForm(prefix=topic.topic, initial={"value": topic.value}),
        )
        for topic in privacy_selectors.sensitive_topics(person)
    ]
    return render(
        request,
        "web/profile/privacy.html",
        {
            "form": form or PrivacyForm(initial=PrivacyForm.initial_for(person)),
            "topics": topics,
            "person": person,
        },
        status=status,
    )


@login_required
@domain_errors
@require_http_methods(["GET", "POST"])
def privacy(request: SignedInRequest) -> HttpResponse:
    person = acting_target(request)
    if request.method == "POST":
        form = PrivacyForm(request.POST)
        if form.is_valid():
            try:
                privacy_services.privacy_update(
                    actor=request.user, person=person, visibility=form.cleaned_data
                )
            except ValidationFailed as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("The privacy settings have been saved."))
                return redirect("web:profile_privacy")
        return _privacy_page(request, person, form=form, status=400)
    return _privacy_page(request, person)


@login_required
@domain_errors
@require_POST
def consent(request: SignedInRequest, topic: str) -> HttpResponse:
    """Record or withdraw consent for one sensitive topic (the button pressed says which)."""
    person = acting_target(request)
    if topic not in SensitiveField.values:
        raise NotFound("No such topic.")
    label = SensitiveField(topic).label
    if request.POST.get("action") == "withdraw":
        try:
            privacy_services.consent_withdraw(actor=request.user, person=person, topic=topic)
        except NotFound:
            messages.error(
                request, _("There is no consent to withdraw for %(topic)s.") % {"topic": label}
            )
        else:
            messages.success(
                request,
                _("Consent for %(topic)s withdrawn; what was recorded has been deleted.")
                % {"topic": label},
            )
    else:
        privacy_services.consent_give(actor=request.user, person=person, topic=topic)
        messages.success(
            request,
            _("Consent for %(topic)s recorded. You can now record the information.")
            % {"topic": label},
        )
    return redirect("web:profile_privacy")


@login_required
@domain_errors
@require_POST
def sensitive(request: SignedInRequest, topic: str) -> HttpResponse:
    person = acting_target(request)
    if topic not in SensitiveField.values:
        raise NotFound("No such topic.")
    form = SensitiveValueForm(request.POST, prefix=topic)
    if form.is_valid():
        try:
            privacy_services.sensitive_set(
                actor=request.user, person=person, field=topic, value=form.cleaned_data["value"]
            )
        except (ValidationFailed, PermissionDenied) as exc:
            show_refusal(form, exc)
        else:
            messages.success(
                request, _("%(topic)s saved.") % {"topic": SensitiveField(topic).label}
            )
            return redirect("web:profile_privacy")
    return _privacy_page(request, person, value_forms={topic: form}, status=400)
