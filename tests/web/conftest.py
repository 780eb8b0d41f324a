"""Helpers for the web tests: build data through the real services, then drive the pages."""

from __future__ import annotations

import html
import re
import uuid

import pytest

from coproduce.communities.models import ReferenceOutcome
from coproduce.communities.selectors.communities import local_today
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import references as references_services
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services


def submit_application(community, *, actor=None, **kw):
    data = {"full_name": "Ada Applicant", "email": "ada@example.org", "about": "I can fix bikes."}
    data.update(kw)
    return applications_services.application_submit(actor=actor, community=community, **data)


def supported_application(community, coordinator, **kw):
    """A pending application with one supporting reference (enough under the default rules)."""
    application = submit_application(community, **kw)
    _reference, token = references_services.reference_request(
        actor=coordinator,
        application=application,
        referee_name="Rita Referee",
        referee_email="rita@example.org",
    )
    references_services.reference_answer(
        token=token, outcome=ReferenceOutcome.SUPPORTS, answer="Known her for years."
    )
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


def recorded(
    community, actor, provider, recipient, *, minutes=90, title="Weeding the front garden", **kw
):
    """An exchange recorded through the real service, waiting for the other side."""
    return exchanges_services.exchange_record(
        actor=actor,
        community=community,
        idempotency_key=kw.pop("key", str(uuid.uuid4())),
        providers=provider if isinstance(provider, list) else [provider],
        recipients=recipient if isinstance(recipient, list) else [recipient],
        minutes=minutes,
        effective_on=kw.pop("effective_on", local_today(community)),
        title=title,
        category=kw.pop("category", "Gardening"),
        **kw,
    )


def confirmed(community, actor, provider, recipient, **kw):
    """An exchange recorded by `actor` and confirmed by the other side: the hours are posted."""
    exchange = recorded(community, actor, provider, recipient, **kw)
    other = recipient if actor == provider else provider
    return answers_services.exchange_confirm(actor=other, exchange=exchange)


def code_of(person, community) -> str:
    return person.memberships.get(community=community).member_code
