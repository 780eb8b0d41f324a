"""Data for the spend-partner tests, built with the real services: Riverside Leisure Centre
(linked to the agency of tests/coproduction/conftest.py, whose admin is `agency_staff`), a swim
offer, and credit for a member."""

from __future__ import annotations

import datetime as dt
import uuid

from coproduce.coproduction import partners
from coproduce.ledger import selectors as ledger_selectors
from coproduce.ledger import services as ledger
from coproduce.ledger.invariants import ledger_audit

# A Saturday morning in Riverside (Europe/London): slot sat-am.
SATURDAY_MORNING = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)


def leisure_centre(coordinator, community, agency=None):
    return partners.partner_create(actor=coordinator, community=community, name="Riverside Leisure Centre",
                                   description="Pool and gym.", place="Dock Road", agency=agency)


def swim(coordinator, partner, **kw):
    fields = {"title": "One swim", "minutes": 60, "max_adults": 2, "max_children": 3}
    fields.update(kw)
    return partners.offer_create(actor=coordinator, partner=partner, **fields)


def give_credit(community, person, minutes: int) -> None:
    ledger.transfer_create(actor=None, community=community, idempotency_key=f"seed-{uuid.uuid4()}",
                           legs=[ledger.Leg(ledger.issuance_account(community).pk, -minutes),
                                 ledger.Leg(ledger.member_account(community, person).pk, minutes)])


def balance(community, person) -> int:
    account = ledger_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


def partner_balance(community, partner) -> int:
    return ledger_selectors.account_get(community, partner.account_id).balance_minutes


def audit_clean() -> bool:
    return ledger_audit().clean


def code_of(membership) -> str:
    return membership.member_code
