"""Fixtures for co-production tests: a published role and a session tomorrow at Riverside
Health Centre (the `agency` and its admin `agency_admin` are in tests/conftest.py).

Built with the ORM and the ledger's services so each part's tests stand on their own; each
part's own services are tested in its own files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from coproduce.coproduction.models import (
    CoproductionRole,
    RoleStatus,
    Session,
)


@pytest.fixture
def role(agency, agency_admin):
    return CoproductionRole.objects.create(
        community=agency.community,
        agency=agency,
        title="Peer supporter",
        description="Sit with people in the waiting room and share how you manage your own "
        "condition.",
        commitment="2 hours a week for 3 months",
        staff_lead=agency_admin,
        status=RoleStatus.PUBLISHED,
    )


@pytest.fixture
def session(role):
    start = (timezone.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    return Session.objects.create(
        community=role.community,
        agency=role.agency,
        role=role,
        place="Waiting room, Riverside Health Centre",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=3,
    )
