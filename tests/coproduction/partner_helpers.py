"""Data for the spend-partner tests, built with the real services: Riverside Leisure Centre
(linked to the agency of tests/conftest.py, whose admin is `agency_staff`), a swim
offer, and credit for a member."""

from __future__ import annotations

import datetime as dt
import uuid

from coproduce.coproduction.services import partners
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors.audit import ledger_audit
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import transfers as transfers_services

# A Saturday morning in Riverside (Europe/London): slot sat-am.
SATURDAY_MORNING = dt.datetime(2026, 11, 21, 10, 0, tzinfo=dt.UTC)


def leisure_centre(coordinator, community, agency=None):
    return partners.partner_create(
        actor=coordinator,
        community=community,
        name="Riverside Leisure Centre",
        description="Pool and gym.",
        place="Dock Road",
        agency=agency,
    )


def swim(coordinator, partner, **kw):
    fields = {"title": "One swim", "minutes": 60, "max_adults": 2, "max_children": 3}
    fields.update(kw)
    return partners.offer_create(actor=coordinator, partner=partner, **fields)


def give_credit(community, person, minutes: int) -> None:
    transfers_services.transfer_create(
        actor=None,
        community=community,
        idempotency_key=f"seed-{uuid.uuid4()}",
        legs=[
            postings_services.Leg(accounts_services.issuance_account(community).pk, -minutes),
            postings_services.Leg(accounts_services.member_account(community, person).pk, minutes),
        ],
    )


def balance(community, person) -> int:
    account = accounts_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


def partner_balance(community, partner) -> int:
    return accounts_selectors.account_get(community, partner.account_id).balance_minutes


def audit_clean() -> bool:
    return ledger_audit().clean


def code_of(membership) -> str:
    return membership.member_code
