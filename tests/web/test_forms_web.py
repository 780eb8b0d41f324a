"""`{% form_field %}` and `{% availability_field %}` (web/templatetags/forms_web.py) draw what
`web/_field.html` and `web/_availability.html` draw, character for character, for every kind
of field (single, search, group, checkbox list, checkbox, hidden), bound or not, with errors,
help, markup to escape, and the include's options; in English and in German."""

from __future__ import annotations

import pytest
from django import forms
from django.template import engines
from django.utils import translation

from coproduce.web.forms.common import AVAILABILITY_CHOICES, SearchInput, availability_rows

CHOICES = [("a", "Apples & <pears>"), ("b", 'Say "bee"'), ("c", "Ça")]


class Catalogue(forms.Form):
    name = forms.CharField(label="Your <name>", max_length=20, help_text="Use <em>yours</em>")
    nickname = forms.CharField(label="Known as", required=False)
    email = forms.EmailField(
        required=False, widget=forms.EmailInput(attrs={"placeholder": "you@example.org"})
    )
    q = forms.CharField(label="Look for", required=False, widget=SearchInput)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea, max_length=50)
    fruit = forms.ChoiceField(label="Fruit", choices=CHOICES)
    grouped = forms.ChoiceField(
        label="Grouped", required=False, choices=[("", "Any"), ("Group <1>", CHOICES)]
    )
    kind = forms.ChoiceField(label="Kind", choices=CHOICES, widget=forms.RadioSelect)
    maybe = forms.ChoiceField(
        label="Maybe", required=False, choices=CHOICES, widget=forms.RadioSelect, help_text="Any"
    )
    many = forms.MultipleChoiceField(
        label="Many", required=False, choices=CHOICES, widget=forms.CheckboxSelectMultiple
    )
    agree = forms.BooleanField(label="I agree & <more>", help_text="It matters")
    optin = forms.BooleanField(label="Opt in", required=False)
    secret = forms.CharField(widget=forms.HiddenInput, required=False)
    available = forms.MultipleChoiceField(
        label="Free <when>",
        required=False,
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )


GOOD = {"name": "Zoë <b>", "fruit": "b", "kind": "a", "agree": "on", "many": ["a", "c"]}
BAD = {"name": "x" * 30, "email": "nope", "fruit": "z", "kind": "", "available": ["mon_am", "zz"]}
OPTIONS = [
    "",
    ' label="Other <label>"',
    " hide_label=True",
    " hide_optional=True",
    ' label="L" hide_label=True hide_optional=True',
]


def forms_to_draw():
    yield Catalogue()
    yield Catalogue(GOOD)
    yield Catalogue(BAD)
    yield Catalogue(BAD, auto_id="x_%s")


def render(template, **context):
    return engines["django"].from_string(template).render(context)


@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_it_draws_each_field_as_the_include_drew_it(language):
    with translation.override(language):
        for form in forms_to_draw():
            form.is_valid() if form.is_bound else None
            for name in form.fields:
                for options in OPTIONS:
                    include = render(
                        '{% include "web/_field.html" with field=form.' + name + options + " %}",
                        form=form,
                    )
                    tag = render(
                        "{% load forms_web %}{% form_field form." + name + options + " %}",
                        form=form,
                    )
                    assert tag == include, (name, options)


@pytest.mark.parametrize("language", ["en-gb", "de"])
def test_it_draws_the_week_as_the_include_drew_it(language):
    with translation.override(language):
        for form in forms_to_draw():
            form.is_valid() if form.is_bound else None
            context = {
                "field": form["available"],
                "rows": availability_rows(form["available"]),
                "help": "Tick <some> times",
            }
            include = render(
                '{% include "web/_availability.html" with field=field rows=rows %}', **context
            )
            tag = render("{% load forms_web %}{% availability_field field rows help %}", **context)
            assert tag == include
            assert "&lt;some&gt;" in tag


def test_it_escapes_what_people_typed():
    form = Catalogue(GOOD)
    tag = render("{% load forms_web %}{% form_field form.name %}", form=form)
    assert "Zoë &lt;b&gt;" in tag
    assert "Your &lt;name&gt;" in tag
    assert "Use <em>yours</em>" in tag
