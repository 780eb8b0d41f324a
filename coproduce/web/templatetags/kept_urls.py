"""`{% url %}` and `{% static %}` as Django draws them, with each address worked out once per
process and kept (settings.py loads this library as a builtin, after Django's own, so every
template gets these two tags under their usual names).

Why: an address is a pure function of the URL patterns, the view's name and its arguments
(and the script prefix and the current app), none of which change while a process runs; a
reverse costs 20 to 40 µs and the listing search page draws a dozen of them, a static file's
address another few (docs/benchmarks.md, "Render cost of five pages"). Kept only for
arguments that are plain numbers and text (anything else is reversed each time), at most
`_KEPT` addresses, forgotten when a test changes the URL patterns or the static settings.
Output and errors are Django's: tests/web/test_kept_urls.py draws both ways and compares."""

from __future__ import annotations

import functools

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.templatetags.static import StaticNode
from django.templatetags.static import do_static as django_static
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape
from django.utils.translation import get_language

register = template.Library()

_KEPT = 4096


@functools.lru_cache(maxsize=_KEPT)
def _reversed(key: tuple, view_name: str, args: tuple, kwargs: tuple, current_app) -> str:
    # `key` (the patterns, prefix and language) only tells apart what reverse() reads itself.
    return reverse(view_name, args=list(args), kwargs=dict(kwargs), current_app=current_app)


def _plain(values) -> bool:
    """Numbers and text (marked safe or not), not True/False nor lazy text."""
    return all(isinstance(value, (int, str)) and not isinstance(value, bool) for value in values)


class KeptURLNode(URLNode):
    def render(self, context):
        args = tuple(arg.resolve(context) for arg in self.args)
        kwargs = tuple((k, v.resolve(context)) for k, v in self.kwargs.items())
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            if (
                isinstance(view_name, str)
                and _plain(args)
                and _plain(v for _, v in kwargs)
                and (current_app is None or type(current_app) is str)
            ):
                key = (get_urlconf() or settings.ROOT_URLCONF, get_script_prefix(), get_language())
                url = _reversed(key, view_name, args, kwargs, current_app)
            else:
                url = reverse(
                    view_name, args=list(args), kwargs=dict(kwargs), current_app=current_app
                )
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        if context.autoescape:
            url = conditional_escape(url)
        return url


@register.tag
def url(parser, token):
    """Django's `{% url %}` (same arguments, output and errors), its addresses kept."""
    node = django_url(parser, token)
    return KeptURLNode(node.view_name, node.args, node.kwargs, node.asvar)


@functools.lru_cache(maxsize=_KEPT)
def _static(path: str) -> str:
    return StaticNode.handle_simple(path)


class KeptStaticNode(StaticNode):
    def url(self, context):
        path = self.path.resolve(context)
        if isinstance(path, str):
            return _static(path)
        return self.handle_simple(path)


@register.tag
def static(parser, token):
    """Django's `{% static %}` (same arguments and output), its addresses kept."""
    node = django_static(parser, token)
    return KeptStaticNode(varname=node.varname, path=node.path)


@receiver(setting_changed)
def _forget(*, setting, **kwargs) -> None:
    if setting in {"ROOT_URLCONF", "STATIC_URL", "STORAGES", "FORCE_SCRIPT_NAME"}:
        _reversed.cache_clear()
        _static.cache_clear()
