"""The site's URLs plus one page that fails, for the 500 page's tests."""

from django.urls import path

from config.urls import handler403, handler404, handler500, urlpatterns  # noqa: F401 - the handlers are read from here


def broken(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken/", broken), *urlpatterns]
