"""Forms of offers and requests: searching (members' and public), posting and changing one, its
pictures, closing it; the community's neighbourhoods and categories."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core import limits
from coproduce.exchanges.models import CategoryGroup

from .common import AVAILABILITY_CHOICES, DateInput, SearchInput, availability_rows, required_error

LISTING_KINDS = [("offer", _("Offering help")), ("request", _("Asking for help"))]
SEARCH_KINDS = [
    ("", _("Offers and requests")),
    ("offer", _("Offers only")),
    ("request", _("Requests only")),
]
SEARCH_SORTS = [
    ("relevance", _("Best match")),
    ("newest", _("Newest first")),
    ("distance", _("Nearest first")),
]
LISTING_MODES = [
    ("in_person", _("In person")),
    ("remote", _("Remote (phone or online)")),
    ("at_home", _("At my home (needs the community's checks)")),
]
# "Allied communities too" comes back with federation; until then it would do nothing.
LISTING_VISIBILITIES = [
    ("community", _("Members of this community")),
    ("public", _("Everyone, on the public site")),
]
CATEGORY_INVALID = _("Choose a category from the list.")


def category_choices(categories) -> list:
    """Categories as <optgroup>s, one per group, in the group's order."""
    groups: dict[str, list] = {}
    for category in categories:
        groups.setdefault(category.group, []).append((str(category.pk), category.name))
    return [
        (CategoryGroup(group).label, options)
        for group, options in sorted(
            groups.items(), key=lambda item: CategoryGroup.values.index(item[0])
        )
    ]


def _category_field(**kwargs) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        coerce=int,
        error_messages={"invalid_choice": CATEGORY_INVALID, "required": CATEGORY_INVALID},
        **kwargs,
    )


class ListingSearchForm(forms.Form):
    q = forms.CharField(
        label=_("What are you looking for?"),
        required=False,
        max_length=limits.SEARCH,
        help_text=_(
            "A word or two, such as 'garden' or 'computer'. Small typing mistakes are fine."
        ),
        widget=SearchInput,
        error_messages={"max_length": _("Search for at most 200 characters.")},
    )
    kind = forms.ChoiceField(
        label=_("Show"), required=False, choices=SEARCH_KINDS, widget=forms.RadioSelect, initial=""
    )
    category = _category_field(label=_("Category"), required=False, empty_value=None)
    available = forms.MultipleChoiceField(
        label=_("Free at"),
        required=False,
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose times from the table.")},
    )
    near = forms.ChoiceField(
        label=_("Near"),
        required=False,
        help_text=_(
            "A neighbourhood: listings are measured from its centre, never from anyone's address."
        ),
        error_messages={
            "invalid_choice": _(
                "There is no neighbourhood called “%(value)s” here. Choose one from the list."
            )
        },
    )
    within_km = forms.FloatField(
        label=_("Within (km)"),
        required=False,
        min_value=0.1,
        max_value=200,
        help_text=_("How far from the neighbourhood, such as 2. Needs a neighbourhood above."),
        widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal"}),
        error_messages={
            "invalid": _("Enter the distance as a number of kilometres, such as 2."),
            "min_value": _("Enter a distance of at least 0.1 km."),
            "max_value": _("Search within at most 200 km."),
        },
    )
    sort = forms.ChoiceField(
        label=_("Sort by"), required=False, choices=SEARCH_SORTS, initial="relevance"
    )
    after = forms.CharField(required=False, max_length=limits.CURSOR, widget=forms.HiddenInput)

    def __init__(self, *args, categories, neighbourhoods=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["category"])
        field.choices = [("", _("Any category")), *category_choices(categories)]
        cast(forms.ChoiceField, self.fields["near"]).choices = [
            ("", _("Anywhere")),
            *[(n.slug, n.name) for n in neighbourhoods],
        ]

    def availability_rows(self):
        return availability_rows(self["available"])


class PublicListingSearchForm(forms.Form):
    """The public offers page's search: words and kind only (the same fields as the members'
    search)."""

    q = ListingSearchForm.base_fields["q"]
    kind = ListingSearchForm.base_fields["kind"]
    after = ListingSearchForm.base_fields["after"]


class ListingForm(forms.Form):
    """An offer or a request. The service checks lengths, dates and the vetting for `at_home`."""

    service_fields = {"expires_at": "expires_on", "point": "neighbourhood"}

    kind = forms.ChoiceField(
        label=_("Are you offering help or asking for it?"),
        choices=LISTING_KINDS,
        widget=forms.RadioSelect,
        error_messages=required_error(_("Choose whether you are offering help or asking for it.")),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=limits.LISTING_TITLE,
        help_text=_("A few words, such as 'Help with a new phone' or 'Lifts to the shops'."),
        error_messages={
            **required_error(_("Give the listing a title.")),
            "max_length": _("At most %(limit_value)d characters (this is %(show_value)d)."),
        },
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=limits.DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "What, roughly when, and anything that helps. Do not put your address or phone number "
            "here."
        ),
    )
    category = _category_field(label=_("Category"))
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=limits.TAG_LIST,
        help_text=_("Short words separated by commas, such as 'android, email'."),
    )
    expires_on = forms.DateField(
        label=_("Show it until"),
        widget=DateInput,
        help_text=_(
            "It is taken down after this day; you can post it again. At most a year from now."
        ),
        error_messages={
            "required": _("Give the last day to show it."),
            "invalid": _("Enter a real date, like 31/12/2026."),
        },
    )
    availability = forms.MultipleChoiceField(
        label=_("When suits you?"),
        required=False,
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose times from the table.")},
    )
    neighbourhood = forms.CharField(
        label=_("Neighbourhood"),
        required=False,
        max_length=limits.SHORT_NAME,
        help_text=_("The part of the area, such as 'Old Docks'. Never a street address."),
    )
    mode = forms.ChoiceField(
        label=_("Where?"),
        choices=LISTING_MODES,
        widget=forms.RadioSelect,
        initial="in_person",
        error_messages=required_error(_("Choose where it would happen.")),
    )
    is_group = forms.BooleanField(
        label=_("A group activity (several people can join)"), required=False
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it?"),
        choices=LISTING_VISIBILITIES,
        widget=forms.RadioSelect,
        initial="community",
        help_text=_(
            "Everyone: also shown to people who are not signed in, on the community's public page "
            "of offers and requests, without your name, its pictures or its place on the map."
        ),
        error_messages={
            **required_error(_("Choose who can see it.")),
            "invalid_choice": _(
                "Choose who can see it: members of this community, or everyone on the public site."
            ),
        },
    )

    def __init__(self, *args, community, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community
        field = cast(forms.TypedChoiceField, self.fields["category"])
        field.choices = [("", _("Choose a category")), *category_choices(categories)]

    def availability_rows(self):
        return availability_rows(self["availability"])

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data.get("tags", "").split(",") if tag.strip()]

    def values(self) -> dict[str, Any]:
        """What the listing services take."""
        data = dict(self.cleaned_data)
        day = data.pop("expires_on")
        # The end of the chosen day, in the community's time zone.
        zone = communities_selectors.community_zone(self.community)
        data["expires_at"] = dt.datetime.combine(day, dt.time(23, 59), tzinfo=zone)
        return data

    @staticmethod
    def initial_for(listing, community) -> dict:
        return {
            "kind": listing.kind,
            "title": listing.title,
            "description": listing.description,
            "category": listing.category_id,
            "tags": ", ".join(listing.tags),
            "expires_on": timezone.localtime(
                listing.expires_at, communities_selectors.community_zone(community)
            ).date(),
            "availability": listing.availability,
            "neighbourhood": listing.neighbourhood,
            "mode": listing.mode,
            "is_group": listing.is_group,
            "visibility": listing.visibility,
        }


class ListingImageForm(forms.Form):
    """A picture for a listing. The service decides whether the file really is a picture (by
    decoding it), and whether it is small enough."""

    image = forms.FileField(
        label=_("Picture"),
        help_text=_(
            "A JPEG, PNG or WebP photo of at most 5 MB. It is made smaller, and the details a "
            "camera stores in it (such as where it was taken) are removed."
        ),
        error_messages={
            "required": _("Choose a picture to upload."),
            "empty": _("The file is empty. Choose a JPEG, PNG or WebP picture."),
            "invalid": _("Choose a picture to upload."),
        },
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt_text = forms.CharField(
        label=_("What does it show?"),
        required=False,
        max_length=limits.LINE,
        help_text=_(
            "A few words for people who cannot see the picture, such as 'a tidy front garden'."
        ),
        error_messages={"max_length": _("At most 200 characters.")},
    )


class CloseListingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why are you closing it?"),
        required=False,
        max_length=limits.SHORT_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For example: found help, thank you. Kept with the community's records."),
    )


class NeighbourhoodForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=limits.SHORT_NAME,
        help_text=_("As people say it, such as 'Old Town'."),
        error_messages=required_error(_("Give the neighbourhood a name.")),
    )
    lat = forms.FloatField(
        label=_("Latitude of its centre"),
        min_value=-90,
        max_value=90,
        help_text=_("A rough middle, such as 51.503. A map site shows it when you click a spot."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "required": _("Give the latitude."),
            "invalid": _("Enter a number, such as 51.503."),
        },
    )
    lng = forms.FloatField(
        label=_("Longitude of its centre"),
        min_value=-180,
        max_value=180,
        help_text=_("Such as -0.124 (west of Greenwich is negative)."),
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "required": _("Give the longitude."),
            "invalid": _("Enter a number, such as -0.124."),
        },
    )


class CategoryForm(forms.Form):
    group = forms.ChoiceField(label=_("Group"), error_messages=required_error(_("Choose a group.")))
    name = forms.CharField(
        label=_("Name"),
        max_length=limits.SHORT_NAME,
        help_text=_("For example: Boat repair."),
        error_messages=required_error(_("Name the category.")),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["group"]).choices = [
            ("", _("Choose a group")),
            *CategoryGroup.choices,
        ]
