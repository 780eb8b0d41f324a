from __future__ import annotations

import pytest

from coproduce.ledger import services
from coproduce.ledger.services import Leg


@pytest.fixture
def accounts(community, member, coordinator, agency_staff):
    return {
        "member": services.member_account(community, member),
        "coordinator": services.member_account(community, coordinator),
        "staff": services.member_account(community, agency_staff),
        "fund": services.fund_account(community),
        "issuance": services.issuance_account(community),
    }


@pytest.fixture
def give():
    counter = {"n": 0}

    def give(community, actor, source, target, minutes, **kw):
        counter["n"] += 1
        return services.transfer_create(
            actor=actor, community=community, idempotency_key=kw.pop("key", f"k{counter['n']}"),
            legs=[Leg(source.pk, -minutes), Leg(target.pk, minutes)], **kw,
        )

    return give
