"""Helpers for the web tests: build data through the real services, then drive the pages."""

from __future__ import annotations

import html
import re

import pytest

from coproduce.communities import services
from coproduce.communities.models import ReferenceOutcome


def submit_application(community, *, actor=None, **kw):
    data = {"full_name": "Ada Applicant", "email": "ada@example.org", "about": "I can fix bikes."}
    data.update(kw)
    return services.application_submit(actor=actor, community=community, **data)


def supported_application(community, coordinator, **kw):
    """A pending application with one supporting reference (enough under the default rules)."""
    application = submit_application(community, **kw)
    _reference, token = services.reference_request(
        actor=coordinator, application=application, referee_name="Rita Referee", referee_email="rita@example.org"
    )
    services.reference_answer(token=token, outcome=ReferenceOutcome.SUPPORTS, answer="Known her for years.")
    return application


def text(response) -> str:
    """The page's text with tags and runs of white space collapsed, for plain assertions."""
    page = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(page))


@pytest.fixture
def number_of():
    def get(person, community) -> int:
        return person.memberships.get(community=community).number

    return get
