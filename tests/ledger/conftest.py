from __future__ import annotations

import pytest

from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg


@pytest.fixture
def accounts(community, member, coordinator, agency_staff):
    return {
        "member": accounts_services.member_account(community, member),
        "coordinator": accounts_services.member_account(community, coordinator),
        "staff": accounts_services.member_account(community, agency_staff),
        "fund": accounts_services.fund_account(community),
        "issuance": accounts_services.issuance_account(community),
    }


@pytest.fixture
def give():
    counter = {"n": 0}

    def give(community, actor, source, target, minutes, **kw):
        counter["n"] += 1
        return transfers_services.transfer_create(
            actor=actor,
            community=community,
            idempotency_key=kw.pop("key", f"k{counter['n']}"),
            legs=[Leg(source.pk, -minutes), Leg(target.pk, minutes)],
            **kw,
        )

    return give
