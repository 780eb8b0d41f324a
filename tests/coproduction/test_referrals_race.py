"""Two coordinators record the same follow-up at the same moment, on a real PostgreSQL server:
one move is recorded, the other is refused, and the referral has one event for it."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from coproduce.communities.models import Person, Role
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.coproduction.models import Agency, AgencyKind, ReferralEvent
from coproduce.coproduction.services import referrals
from coproduce.coproduction.services import referrals as referral_services
from coproduce.core.errors import ApplicationError

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers"),
]


def test_it_records_one_of_two_simultaneous_moves(monkeypatch):
    community = communities_services.community_create(
        actor=None, name="Race", slug="race", member_prefix="RCE", area_description="Here."
    )
    coordinators = []
    for n in range(2):
        person = Person.objects.create_user(
            email=f"c{n}@race.example", full_name=f"Cora {n}", mfa_exempt=True
        )
        memberships_services.membership_add(
            actor=None, community=community, person=person, roles=[Role.COORDINATOR]
        )
        coordinators.append(person)
    agency = Agency.objects.create(
        community=community, name="GP", slug="gp", kind=AgencyKind.GP_PRACTICE
    )
    referral = referrals.referral_create(
        actor=coordinators[0],
        agency=agency,
        target="community",
        full_name="Pat",
        phone="07700 900123",
        consent_given=True,
        consent_note="In clinic",
    )
    audit = referral_services.audit_record

    def slow_audit(**kw):
        # Widen the window between reading the status and committing the move: without the
        # row lock both coordinators would read "referred" and both record "contacted".
        time.sleep(0.5)
        return audit(**kw)

    monkeypatch.setattr(referral_services, "audit_record", slow_audit)
    barrier = threading.Barrier(2)
    results: list[str] = []

    def desk(n: int) -> None:
        barrier.wait()
        try:
            referrals.referral_update_status(
                actor=coordinators[n], referral=referral, status="contacted"
            )
            results.append("ok")
        except ApplicationError as exc:
            results.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["ok", "status_not_allowed"], results
    assert list(
        ReferralEvent.objects.filter(referral=referral).values_list("status", flat=True)
    ) == ["referred", "contacted"]
