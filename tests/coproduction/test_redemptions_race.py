"""Two desks redeem the member's last allowed swim this month at the same moment, on a real
PostgreSQL server: one succeeds, the other is refused, and the credits move once."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections

from coproduce.communities.models import Person, Role
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.coproduction.models import Redemption
from coproduce.coproduction.services import partners
from coproduce.core.errors import ApplicationError
from coproduce.ledger.services import transfers as transfers_services

from .partner_helpers import audit_clean, balance, give_credit, partner_balance

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises all writers"),
]


def test_it_lets_only_one_of_two_redemptions_take_the_last_one_this_month(monkeypatch):
    community = communities_services.community_create(
        actor=None, name="Race", slug="race", member_prefix="RCE", area_description="Here."
    )
    coordinator = Person.objects.create_user(
        email="c@race.example", full_name="Cora", mfa_exempt=True
    )
    memberships_services.membership_add(
        actor=None, community=community, person=coordinator, roles=[Role.COORDINATOR]
    )
    member = Person.objects.create_user(email="m@race.example", full_name="Mo")
    membership = memberships_services.membership_add(actor=None, community=community, person=member)
    partner = partners.partner_create(actor=coordinator, community=community, name="Pool")
    offer = partners.offer_create(
        actor=coordinator, partner=partner, title="One swim", minutes=60, per_member_per_month=2
    )
    give_credit(community, member, 600)
    partners.redemption_create(
        actor=coordinator,
        partner=partner,
        offer=offer,
        member_ref=membership.member_code,
        idempotency_key="first",
    )
    results: list[str] = []
    post = transfers_services.post_transfer

    def slow_post(**kw):
        # Widen the window between counting this month's redemptions and writing one, so
        # without the lock on the member's account both desks would count one and both pass.
        time.sleep(0.5)
        return post(**kw)

    monkeypatch.setattr(transfers_services, "post_transfer", slow_post)
    barrier = threading.Barrier(2)

    def desk(n: int) -> None:
        barrier.wait()
        try:
            partners.redemption_create(
                actor=coordinator,
                partner=partner,
                offer=offer,
                member_ref=membership.member_code,
                idempotency_key=f"desk-{n}",
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
    assert sorted(results) == ["ok", "validation_failed"], results
    assert Redemption.objects.filter(offer=offer).count() == 2
    assert balance(community, member) == 480
    assert partner_balance(community, partner) == 120
    assert audit_clean()
