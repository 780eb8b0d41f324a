"""`{% url %}` and `{% static %}` with their addresses kept (web/templatetags/kept_urls.py,
loaded as a builtin): the same output and errors as Django's own tags, each address reversed
once per process, forgotten when the URL patterns change."""

from __future__ import annotations

import pytest
from django.template import Context, Engine, engines
from django.test import override_settings
from django.urls import NoReverseMatch, include, path

from coproduce.web.templatetags import kept_urls

DJANGO = Engine(libraries={"static": "django.templatetags.static"})
SITE = engines["django"]

CASES = [
    "{% url 'web:home' %}",
    "{% url 'web:listing_search' slug %}",
    "{% url 'web:listing_detail' slug pk %}",
    "{% url 'web:listing_detail' slug=slug listing_id=pk %}",
    "{% url 'web:listing_detail' slug text_pk %}",
    "{% url 'web:listing_search' safe_slug %}",
    "{% url 'web:listing_search' slug as there %}[{{ there }}]",
    "{% url 'web:no_such_page' as there %}[{{ there }}]",
    "{% url name slug %}",
]
CONTEXT = {
    "slug": "river-side",
    "pk": 42,
    "text_pk": "43",
    "name": "web:listing_search",
}


def draw(engine, source, context):
    if engine is DJANGO:
        return DJANGO.from_string(source).render(Context(context))
    return SITE.from_string(source).render(context)


@pytest.mark.parametrize("source", CASES)
def test_it_draws_what_django_draws(source):
    from django.utils.safestring import mark_safe

    context = {**CONTEXT, "safe_slug": mark_safe("safe-slug")}  # noqa: S308 - a test value
    for _ in range(2):  # the second time from what was kept
        assert draw(SITE, source, context) == draw(DJANGO, source, context)


def test_an_unknown_name_fails_as_django_fails():
    with pytest.raises(NoReverseMatch):
        draw(SITE, "{% url 'web:no_such_page' %}", {})
    with pytest.raises(NoReverseMatch):
        draw(SITE, "{% url 'web:listing_detail' slug 'not-a-number' %}", CONTEXT)


def test_static_draws_what_django_draws():
    for source in (
        "{% static 'coproduce/site.css' %}",
        "{% static 'coproduce/x.js' as s %}{{ s }}",
    ):
        ours = draw(SITE, source, {})
        assert ours == draw(DJANGO, "{% load static %}" + source, {})
        assert ours.endswith((".css", ".js"))


def test_each_address_is_reversed_once(monkeypatch):
    kept_urls._reversed.cache_clear()
    calls = []
    real = kept_urls.reverse

    def counting(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(kept_urls, "reverse", counting)
    source = "{% url 'web:listing_detail' slug pk %} {% url 'web:listing_detail' slug 7 %}"
    first = draw(SITE, source, CONTEXT)
    for _ in range(3):
        assert draw(SITE, source, CONTEXT) == first
    assert len(calls) == 2  # one per distinct address
    assert first.split() == ["/c/river-side/listings/42/", "/c/river-side/listings/7/"]


def other_home(request):  # pragma: no cover - never called, only reversed
    raise AssertionError


urlpatterns = [path("elsewhere/", include(([path("home/", other_home, name="home")], "web")))]


def test_other_url_patterns_are_not_answered_from_what_was_kept():
    before = draw(SITE, "{% url 'web:home' %}", {})
    with override_settings(ROOT_URLCONF=__name__):
        assert draw(SITE, "{% url 'web:home' %}", {}) == "/elsewhere/home/"
    assert draw(SITE, "{% url 'web:home' %}", {}) == before
