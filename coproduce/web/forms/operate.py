"""The operators' form: creating a community."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from coproduce.communities.services import communities as communities_services


class CommunityForm(forms.Form):
    """Shape only; the service checks the web address, the prefix and the email, and whether a
    new coordinator's name is needed. The limits are the API's (api/routes/communities.py)."""

    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=communities_services.COMMUNITY_NAME_MAX,
        help_text=gettext_lazy("Such as Riverside Time Bank."),
    )
    slug = forms.CharField(
        label=gettext_lazy("Web address"),
        max_length=communities_services.COMMUNITY_SLUG_MAX,
        help_text=gettext_lazy(
            "The part after /c/ in its pages' addresses: lower-case letters, "
            "digits and hyphens, such as riverside. It cannot change later."
        ),
    )
    member_prefix = forms.CharField(
        label=gettext_lazy("Member number prefix"),
        max_length=5,
        help_text=gettext_lazy(
            "2 to 5 letters before each member number, such as RIV "
            "for RIV-0042. It cannot change later."
        ),
    )
    area_description = forms.CharField(
        label=gettext_lazy("The area it covers"),
        required=False,
        max_length=communities_services.COMMUNITY_AREA_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    coordinator_email = forms.CharField(
        label=gettext_lazy("First coordinator's email"),
        required=False,
        max_length=communities_services.EMAIL_MAX,
        widget=forms.EmailInput,
        help_text=gettext_lazy(
            "They run the community day to day. Someone with an account gets the coordinator "
            "role; a new address gets an account and an email to set a password. You can "
            "leave it empty and give a member the role later from their page."
        ),
    )
    coordinator_name = forms.CharField(
        label=gettext_lazy("First coordinator's name"),
        required=False,
        max_length=communities_services.PERSON_NAME_MAX,
        help_text=gettext_lazy("Needed when the email address is new."),
    )
