"""A form sent without its security token gets the site's own page, which says what to do, and
changes nothing."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from coproduce.communities.models import Application, UnconfirmedApplication


def test_it_shows_the_sites_own_page_for_a_form_without_its_token(community):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        reverse("web:apply", args=[community.slug]),
        {"full_name": "Pat Newcomer", "email": "pat@example.org", "contact_preference": "email"},
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Please send the form again" in page and "Nothing was changed." in page
    assert 'class="skip-link"' in page or "Skip to main content" in page  # the site's layout
    assert "CSRF verification failed" not in page
    assert not Application.objects.exists() and not UnconfirmedApplication.objects.exists()
