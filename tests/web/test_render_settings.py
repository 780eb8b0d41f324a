"""What the render cost of every page rests on (docs/benchmarks.md, "Render cost of five
pages"): templates compiled once per process, and form widgets drawn by our renderer."""

from __future__ import annotations

from django.forms.renderers import get_default_renderer
from django.template import engines
from django.template.loaders.cached import Loader as CachedLoader

from coproduce.web.form_renderer import FormRenderer


def test_it_compiles_each_template_once_per_process():
    """No `loaders` in settings.TEMPLATES: Django wraps the app and directory loaders in its
    cached loader (with DEBUG on too since Django 4.1, when the autoreloader empties it)."""
    engine = engines["django"].engine
    assert [type(loader) for loader in engine.template_loaders] == [CachedLoader]
    first = engine.get_template("web/_field.html")
    assert engine.get_template("web/_field.html") is first


def test_it_draws_widgets_with_our_renderer():
    assert isinstance(get_default_renderer(), FormRenderer)
