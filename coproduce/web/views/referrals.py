"""Referrals in from professionals: the referral form for an agency's staff, the agency's list of
its referrals (outcomes only), and the coordinators' queue and referral page where they record
how the follow-up went.

What an agency's staff see of a referral is `referrals.referral_outcome`: never the person's
contact details, what matters to them or the coordinators' notes; their name only when they
agreed to it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coproduce.communities import access
from coproduce.coproduction import referrals
from coproduce.coproduction.access import access_staff_work
from coproduce.coproduction.models import ReferralStatus, ReferralTarget
from coproduce.core import limits
from coproduce.core.errors import ApplicationError, Conflict

from ..decorators import community_view
from ..forms import show_refusal
from ..middleware import SignedInRequest

# Forms ---------------------------------------------------------------------------------------

CONTACT_HINT = gettext_lazy("A phone number or an email address: at least one.")


class ReferralForm(forms.Form):
    """The referral, checked whole on the first submit: every rule the form can see (consent,
    how they agreed, a way to reach them, the role or group chosen) is reported at once, and
    the service checks everything again before anything is stored."""

    target = forms.ChoiceField(
        label=gettext_lazy("Refer them to"), widget=forms.RadioSelect, initial=ReferralTarget.COMMUNITY,
        choices=[(ReferralTarget.COMMUNITY, gettext_lazy("The time bank: swapping help with neighbours")),
                 (ReferralTarget.ROLE, gettext_lazy("A co-production role working alongside staff (choose it below)")),
                 (ReferralTarget.GROUP, gettext_lazy("A community group (name it below)"))],
        error_messages={"required": gettext_lazy("Choose the time bank, a role or a group."),
                        "invalid_choice": gettext_lazy("Choose the time bank, a role or a group.")},
    )
    role = forms.TypedChoiceField(
        label=gettext_lazy("Role"), required=False, coerce=int, empty_value=None,
        help_text=gettext_lazy("Only if you chose a co-production role above."),
        error_messages={"invalid_choice": gettext_lazy("Choose one of the roles in the list.")},
    )
    group_name = forms.CharField(
        label=gettext_lazy("Group"), required=False, max_length=limits.NAME,
        help_text=gettext_lazy("Only if you chose a community group above, such as “Knit and natter”."),
    )
    full_name = forms.CharField(label=gettext_lazy("Their name"), max_length=limits.NAME,
                                error_messages={"required": gettext_lazy("Give the person's name.")})
    phone = forms.CharField(label=gettext_lazy("Their phone number"), required=False, max_length=limits.PHONE,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
                            help_text=CONTACT_HINT)
    email = forms.EmailField(label=gettext_lazy("Their email address"), required=False, max_length=limits.EMAIL,
                             widget=forms.EmailInput(attrs={"autocomplete": "off"}), help_text=CONTACT_HINT,
                             error_messages={"invalid": gettext_lazy(
                                 "Enter an email address in the right format, like name@example.org.")})
    what_matters = forms.CharField(
        label=gettext_lazy("What matters to them"), required=False, max_length=limits.TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("In their words: what they would like to do or find. Nothing medical."),
    )
    consent_given = forms.BooleanField(
        label=gettext_lazy("They have agreed to be referred and to a coordinator contacting them"),
        help_text=gettext_lazy("Ask the person first. We cannot take a referral without their consent."),
        error_messages={"required": gettext_lazy("Ask the person first; a referral needs their consent.")},
    )
    consent_note = forms.CharField(
        label=gettext_lazy("How and when they agreed"), max_length=limits.CONSENT_NOTE,
        help_text=gettext_lazy("Such as “in clinic on 3 May, face to face”."),
        error_messages={"required": gettext_lazy("Say how and when the person agreed, such as “in clinic on 3 May”.")},
    )
    share_with_referrer = forms.ChoiceField(
        label=gettext_lazy("What they agreed you may see afterwards"), widget=forms.RadioSelect, initial="status",
        choices=[("status", gettext_lazy("Only how it is going (contacted, joined, …)")),
                 ("name", gettext_lazy("How it is going, with their name"))],
        error_messages={"required": gettext_lazy("Choose what you may see: how it is going, or that with their "
                                                 "name.")},
    )

    # As the page shows them, so the error summary lists problems in the same order.
    field_order = ["consent_given", "consent_note", "share_with_referrer", "full_name", "phone", "email",
                   "what_matters", "target", "role", "group_name"]

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        # Published roles of any agency of the community, each with its agency's name.
        self.fields["role"].choices = [("", _("Choose a role")), *[
            (r.pk, f"{r.title} — {r.agency.name}") for r in roles]]

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"]
        if phone and not any(ch.isdigit() for ch in phone):
            raise forms.ValidationError(_("Enter a phone number, such as 07700 900123."))
        return phone

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("email") and not self.has_error("phone") \
                and not self.has_error("email"):
            self.add_error("phone", _("Give a phone number or an email address, so a coordinator can reach them."))
        target = data.get("target")
        if target == ReferralTarget.ROLE and data.get("role") is None and not self.has_error("role"):
            self.add_error("role", _("Choose the role, or choose the time bank or a group above."))
        if target == ReferralTarget.GROUP and not data.get("group_name") and not self.has_error("group_name"):
            self.add_error("group_name", _("Name the group, or choose the time bank or a role above."))
        return data


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s) for s in ReferralStatus.values if s != ReferralStatus.REFERRED])
    member_number = forms.CharField(
        label=gettext_lazy("Their member number"), required=False, max_length=limits.MEMBER_REF,
        help_text=gettext_lazy("When they have joined: the number on their member card, such as RIV-0042."),
    )
    note = forms.CharField(label=gettext_lazy("Note for coordinators"), required=False, max_length=limits.REPORT,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=gettext_lazy("Only coordinators read this; the referrer never sees it."))


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
    agency = referrals.referral_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    roles = referrals.roles_to_refer_to(community)
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST, roles=roles)
        if form.is_valid():
            data = form.cleaned_data
            try:
                referrals.referral_create(
                    actor=request.user, agency=agency, target=data["target"],
                    role=referrals.referral_role(community, data["role"]), group_name=data["group_name"],
                    full_name=data["full_name"], phone=data["phone"], email=data["email"],
                    what_matters=data["what_matters"], consent_given=data["consent_given"],
                    consent_note=data["consent_note"], share_with_referrer=data["share_with_referrer"],
                )
            except ApplicationError as exc:
                show_refusal(form, exc)
            else:
                messages.success(request, _("Thank you. The referral is with the coordinators, who will get in "
                                            "touch with the person. You can follow how it goes here."))
                return redirect("web:agency_referrals", community.slug, agency.slug)
        status = 400
    else:
        form = ReferralForm(roles=roles)
    return render(request, "web/referrals/form.html", {
        "community": community, "agency": agency, "form": form,
    }, status=status)


@login_required
@community_view
@require_GET
def agency_referrals(request: SignedInRequest, community, agency_slug: str) -> HttpResponse:
    """The agency's referrals: when, to what, and how it is going. Nothing more."""
    agency = referrals.referral_agency(community, agency_slug)
    access_staff_work(request.user, agency)
    outcomes = [referrals.referral_outcome(r) for r in referrals.referrals_of_agency(agency)[:200]]
    counts = referrals.referral_counts(agency)
    return render(request, "web/referrals/agency.html", {
        "community": community, "agency": agency, "outcomes": outcomes,
        "summary": [(label, counts[value]) for value, label in ReferralStatus.choices],
    })


# Coordinators ----------------------------------------------------------------------------------


@login_required
@community_view
@require_GET
def referral_queue(request: SignedInRequest, community) -> HttpResponse:
    access.access_coordinate(request.user, community)
    rows = list(referrals.referrals_queue(community)[:300])
    open_statuses = {ReferralStatus.REFERRED, ReferralStatus.CONTACTED, ReferralStatus.JOINED}
    return render(request, "web/referrals/queue.html", {
        "community": community,
        "new": [r for r in rows if r.status == ReferralStatus.REFERRED],
        "following": [r for r in rows if r.status in open_statuses - {ReferralStatus.REFERRED}],
        "closed": [r for r in rows if r.status not in open_statuses],
    })


def _detail_page(request, community, referral, *, form=None, status=200) -> HttpResponse:
    following = referrals.TRANSITIONS[referral.status]
    return render(request, "web/referrals/detail.html", {
        "community": community, "referral": referral, "form": form or StatusForm(),
        "buttons": [(s, STATUS_BUTTONS[s]) for s in STATUS_BUTTONS if s in following],
        "needs_number": ReferralStatus.JOINED in following,
        "first_exchange_made": referrals.first_exchange_made(referral),
        "events": list(referral.events.all()),
    }, status=status)


@login_required
@community_view
@require_GET
def referral_detail(request: SignedInRequest, community, referral_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    return _detail_page(request, community, referrals.referral_get(community, referral_id))


@login_required
@community_view
@require_POST
def referral_status(request: SignedInRequest, community, referral_id: int) -> HttpResponse:
    access.access_coordinate(request.user, community)
    referral = referrals.referral_get(community, referral_id)
    form = StatusForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            referrals.referral_update_status(actor=request.user, referral=referral, status=data["status"],
                                             member_number=data["member_number"], note=data["note"])
        except Conflict as exc:
            messages.error(request, exc.message)
            return redirect("web:referral_detail", community.slug, referral.pk)
        except ApplicationError as exc:
            show_refusal(form, exc)
        else:
            messages.success(request, _("Saved: %(status)s.") % {"status": ReferralStatus(data["status"]).label})
            return redirect("web:referral_detail", community.slug, referral.pk)
    return _detail_page(request, community, referral, form=form, status=400)
