"""People and listings for the broker queue, introduction and pass-on tests, built with the real
services; dates in the past are set directly (they are history, not something a person did)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from coproduce.communities.models import Membership
from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.models import Listing
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import listings as listings_services
from tests.conftest import make_person


def join(community, email, name, *, days_ago: int = 0, **extra):
    person = make_person(email, name, **extra)
    membership = memberships_services.membership_add(actor=None, community=community, person=person)
    if days_ago:
        Membership.objects.filter(pk=membership.pk).update(
            joined_at=timezone.now() - dt.timedelta(days=days_ago)
        )
    return person


def post(
    community,
    owner,
    kind="request",
    title="Help setting up a new laptop",
    *,
    days_ago: int = 0,
    category="computer-help",
    **values,
):
    listing = listings_services.listing_create(
        actor=owner, community=community, kind=kind, title=title, category=category, **values
    )
    if days_ago:
        when = timezone.now() - dt.timedelta(days=days_ago)
        Listing.objects.filter(pk=listing.pk).update(created_at=when, updated_at=when)
        listing.refresh_from_db()
    return listing


def exchange(community, provider, recipient, *, confirm: bool = True, **kw):
    made = exchanges_services.exchange_record(
        actor=provider,
        community=community,
        idempotency_key=str(uuid.uuid4()),
        providers=[provider],
        recipients=[recipient],
        minutes=60,
        effective_on=timezone.localdate(),
        category="Computer help",
        **kw,
    )
    if confirm:
        made = answers_services.exchange_confirm(actor=recipient, exchange=made)
    return made


@pytest.fixture
def helper(community):
    return join(community, "helper@riverside.example", "Hal Helper", phone="07700 900777")


@pytest.fixture
def offline(community):
    return join(community, None, "Ode Offline", phone="01632 960001", is_offline=True)
