"""The form renderer writes Django's standard widget templates out in Python
(coproduce/web/form_renderer.py): what it returns must be what Django's templates return,
character for character, for every widget, value and attribute the forms use (and some they
might). Each case renders both ways and compares."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from coproduce.web.form_renderer import FormRenderer
from coproduce.web.forms.common import AVAILABILITY_CHOICES, SearchInput
from coproduce.web.forms.listings import ListingSearchForm

ATTRS = [
    {},
    {"id": "id_x", "class": "wide", "required": True, "disabled": False, "maxlength": 200},
    {
        "aria-describedby": "id_x_helptext id_x_error",
        "data-note": 'a "quoted" <b>',
        "step": "0.1",
        "inputmode": "decimal",
        "autocomplete": None,
        "title": mark_safe("<i>safe</i>"),
    },
]
VALUES = [
    None,
    "",
    "plain",
    "a<b>&\"'",
    mark_safe("<b>kept</b>"),
    42,
    1234.5,
    gettext_lazy("Offers only"),
    dt.date(2026, 12, 3),
    ("a", "b"),
]
INPUTS = [
    forms.TextInput,
    SearchInput,
    forms.SearchInput,
    forms.NumberInput,
    forms.EmailInput,
    forms.URLInput,
    forms.HiddenInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.ColorInput,
    forms.TelInput,
]
CHOICES = [
    ("", "Any category"),
    (
        "Home",
        [
            (1, "Cleaning & tidying"),
            (4, gettext_lazy("Cooking")),
            ("x<y", mark_safe("<b>safe</b>")),
        ],
    ),
    (7, "Seven"),
    ("Garden", [("6", "Gardening")]),
]


def both(render):
    return render(FormRenderer()), render(DjangoTemplates())


@pytest.mark.parametrize("widget_class", INPUTS)
def test_it_renders_inputs_as_django_does(widget_class):
    for attrs in ATTRS:
        for value in VALUES:
            widget = widget_class(attrs=attrs)
            fast, django = both(
                lambda renderer, widget=widget, value=value: widget.render(
                    "q", value, renderer=renderer
                )
            )
            assert fast == django, (attrs, value)


@pytest.mark.parametrize("value", [None, "", "secret<1>"])
def test_it_renders_password_checkbox_and_file_inputs_as_django_does(value):
    for widget in (
        forms.PasswordInput(render_value=True),
        forms.PasswordInput(),
        forms.CheckboxInput(),
        forms.CheckboxInput(attrs={"checked": True}),
        forms.FileInput(),
        forms.ClearableFileInput(),
    ):
        fast, django = both(
            lambda renderer, widget=widget: widget.render("p", value, renderer=renderer)
        )
        assert fast == django
    for checked in (True, False):
        fast, django = both(
            lambda renderer, checked=checked: forms.CheckboxInput().render(
                "c", checked, attrs={"id": "id_c"}, renderer=renderer
            )
        )
        assert fast == django


def test_it_renders_textareas_as_django_does():
    for value in (None, "", "two\nlines & <tags>", mark_safe("<b>safe</b>")):
        for attrs in ATTRS:
            widget = forms.Textarea(attrs={"rows": 3, **attrs})
            fast, django = both(
                lambda renderer, widget=widget, value=value: widget.render(
                    "t", value, renderer=renderer
                )
            )
            assert fast == django, (attrs, value)


@pytest.mark.parametrize(
    "widget_class",
    [forms.Select, forms.SelectMultiple, forms.RadioSelect, forms.CheckboxSelectMultiple],
)
def test_it_renders_choice_widgets_whole_as_django_does(widget_class):
    for attrs in ATTRS:
        for value in (None, "", 1, "x<y", ["1", "6"], 7):
            widget = widget_class(attrs=attrs, choices=CHOICES)
            fast, django = both(
                lambda renderer, widget=widget, value=value: widget.render(
                    "choice", value, renderer=renderer
                )
            )
            assert fast == django, (attrs, value)


def test_it_renders_a_null_boolean_select_as_django_does():
    for value in (None, True, False, "unknown"):
        fast, django = both(
            lambda renderer, value=value: forms.NullBooleanSelect().render(
                "n", value, renderer=renderer
            )
        )
        assert fast == django


class ChoiceForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("", "Offers and requests"), ("offer", "Offers only")],
        widget=forms.RadioSelect,
        required=False,
    )
    available = forms.MultipleChoiceField(
        choices=AVAILABILITY_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    grouped = forms.ChoiceField(choices=CHOICES, widget=forms.RadioSelect, required=False)


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"kind": "offer", "available": ["mon-am", "sat-eve"], "grouped": "6"},
        {"kind": "nonsense", "available": ["never"]},
    ],
)
def test_it_renders_each_option_of_a_list_as_django_does(data):
    """The pages draw radio and checkbox lists option by option (`option.tag`), wrapped in a
    label or not."""

    def options(renderer):
        form = ChoiceForm(data, renderer=renderer)
        form.is_valid() if data else None
        return [
            (option.tag(), option.tag(wrap_label=True), str(option))
            for name in ("kind", "available", "grouped")
            for option in form[name]
        ]

    fast, django = both(options)
    assert fast == django


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data",
    [
        None,
        {
            "q": "garden <b>",
            "kind": "offer",
            "category": "6",
            "available": ["mon-am", "sat-eve"],
            "near": "old-docks",
            "within_km": "2.5",
            "sort": "newest",
        },
        {"q": "x" * 300, "kind": "bad", "category": "nope", "within_km": "far"},
    ],
)
def test_it_renders_the_listing_search_form_as_django_does(community, data):
    from coproduce.communities.models import Neighbourhood
    from coproduce.exchanges.selectors import listings as listings_selectors

    neighbourhoods = [
        Neighbourhood(name="Old Docks", slug="old-docks"),
        Neighbourhood(name="Mill <Row>", slug="mill"),
    ]

    def fields(renderer):
        form = ListingSearchForm(
            data,
            categories=listings_selectors.categories_for(community),
            neighbourhoods=neighbourhoods,
            renderer=renderer,
        )
        form.is_valid() if data else None
        return [str(form[name]) for name in form.fields] + [
            option.tag() for name in ("kind", "available") for option in form[name]
        ]

    fast, django = both(fields)
    assert fast == django


def test_it_renders_standard_widgets_without_the_template_engine(monkeypatch):
    """The point of it: a select of options and a list of checkboxes never reach a template."""
    renderer = FormRenderer()

    def no_templates(name):
        raise AssertionError(f"rendered {name} through a template")

    monkeypatch.setattr(renderer, "get_template", no_templates)
    assert "<optgroup" in forms.Select(choices=CHOICES).render("c", 1, renderer=renderer)
    form = ChoiceForm(renderer=renderer)
    assert all("<input" in option.tag() for option in form["available"])
    assert "<textarea" in forms.Textarea().render("t", "x", renderer=renderer)


def test_it_falls_back_to_the_templates_for_anything_else(monkeypatch):
    renderer = FormRenderer()
    asked = []
    real = renderer.get_template
    monkeypatch.setattr(renderer, "get_template", lambda name: asked.append(name) or real(name))
    forms.SplitDateTimeWidget().render("when", None, renderer=renderer)
    assert "django/forms/widgets/splitdatetime.html" in asked
