"""The hours ledger: accounts and statements, direct transfers (coordinators) and the community
fund. Amounts are integer minutes; + credits an account, - debits it.

Writes that move hours need an `Idempotency-Key` header, passed to the service, which records it
in the same transaction as the transfer: a retry answers with the original transfer (a reversal's
retry with the original reversal, not "already reversed"), however the first attempt ended."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.http import HttpResponse
from ninja import Query, Router, Schema, Status
from pydantic import Field

from coproduce.communities import access
from coproduce.communities.selectors import member_refs as member_refs_selectors
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core import limits
from coproduce.exchanges.services import fund as fund_services
from coproduce.ledger import access as ledger_access
from coproduce.ledger.models import AccountKind
from coproduce.ledger.selectors import accounts as accounts_selectors
from coproduce.ledger.selectors import statements as statements_selectors
from coproduce.ledger.selectors import transfers as transfers_selectors
from coproduce.ledger.services import postings as postings_services
from coproduce.ledger.services import reversals as reversals_services
from coproduce.ledger.services import transfers as transfers_services

from .. import paths
from ..auth import COORDINATOR_AUTH
from ..pagination import PageParams, encode_cursor, key_int, keyset_page, parse_key
from ..schemas import (
    MAX_ID,
    READ_ERRORS,
    WRITE_ERRORS,
    IdempotencyKey,
    MemberRef,
    Minutes,
    ObjectId,
    Slug,
)

router = Router(tags=["ledger"])

MAX_LEG_MINUTES = 1_000_000 * 60
CSV_RESPONSE = {
    "responses": {
        200: {
            "description": "The whole statement, newest first, as CSV.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    }
}


# Shapes --------------------------------------------------------------------------------------


class AccountSummaryOut(Schema):
    id: int | None = Field(description="Null until your first exchange opens your account.")
    kind: AccountKind
    name: str
    member_code: str | None = Field(description="For a member's account.")
    balance_minutes: int
    held_minutes: int = Field(
        description="Held by reservations not yet posted; not available to give."
    )
    closed_at: dt.datetime | None


class AccountOut(AccountSummaryOut):
    given_minutes: int = Field(
        description="Everything given (debited), reversed transfers left out."
    )
    received_minutes: int = Field(
        description="Everything received (credited), reversed transfers left out."
    )


class AccountPage(Schema):
    items: list[AccountSummaryOut]
    next_cursor: str | None


class AccountListQuery(PageParams):
    kind: AccountKind | None = Field(None, description="Only accounts of this kind.")


class StatementLineOut(Schema):
    posting_id: int
    transfer_id: int
    reason: str = Field(description="Reason code, e.g. `exchange`, `donation`, `reversal`.")
    reason_label: str
    memo: str = Field(description="What it was for; a reversal's reason.")
    amount_minutes: int = Field(description="+ received, - given.")
    balance_after_minutes: int = Field(description="The running balance after this line.")
    counterparties: list[str] = Field(description="The other accounts in the transfer.")
    actor: str | None
    on_behalf_of: str | None
    reverses: int | None = Field(description="For a reversal: the transfer it reverses.")
    effective_at: dt.datetime = Field(description="When it happened.")
    created_at: dt.datetime = Field(description="When it was recorded.")


class StatementPage(Schema):
    account: AccountOut
    items: list[StatementLineOut]
    next_cursor: str | None


class LegIn(Schema):
    account_id: int = Field(strict=True, ge=1, le=MAX_ID)
    amount_minutes: int = Field(
        strict=True,
        ge=-MAX_LEG_MINUTES,
        le=MAX_LEG_MINUTES,
        description="+ credits the account, - debits it; not zero.",
    )


class TransferIn(Schema):
    legs: list[LegIn] = Field(
        min_length=2, max_length=60, description="The amounts must add up to zero."
    )
    reason: Literal["transfer", "grant", "adjustment", "issuance"] = Field(
        "transfer", description="`issuance` creates credits from the community's issuance account."
    )
    memo: str = Field(
        min_length=1, max_length=limits.TEXT, description="Why; shown on the statements."
    )


class ReverseIn(Schema):
    reason: str = Field(
        min_length=1, max_length=limits.TEXT, description="Why; shown on the statements."
    )


class LegOut(Schema):
    account_id: int
    account_name: str
    amount_minutes: int
    pending: bool = Field(description="Held by a reservation, not posted.")


class TransferOut(Schema):
    id: int
    sequence: int = Field(description="Its place in the community's ledger.")
    reason: str
    reason_label: str
    status: str
    memo: str
    actor: str | None
    on_behalf_of: str | None
    related_type: str = Field(description="What it is for, e.g. `exchange`; empty for none.")
    related_id: str
    reverses: int | None = Field(description="The transfer this one reverses.")
    reversed_by: int | None = Field(description="The transfer that reversed this one.")
    legs: list[LegOut]
    effective_at: dt.datetime
    created_at: dt.datetime


class FundLineOut(Schema):
    posting_id: int
    reason_label: str
    amount_minutes: int
    balance_after_minutes: int
    who: list[str] = Field(description="Coordinators only; empty for members.")
    note: str = Field(description="Coordinators only; empty for members.")
    effective_at: dt.datetime


class FundOut(Schema):
    account_id: int | None = Field(description="The fund's account, once it has one.")
    balance_minutes: int
    items: list[FundLineOut]
    next_cursor: str | None


class DonationIn(Schema):
    minutes: Minutes
    note: str = Field("", max_length=limits.TEXT)
    on_behalf_of: MemberRef | None = Field(
        None, description="Coordinators: the member who donates."
    )


class GrantIn(Schema):
    member: MemberRef = Field(description="Who receives the grant.")
    minutes: Minutes
    reason: str = Field(
        min_length=1, max_length=limits.TEXT, description="Why; shown to coordinators only."
    )


# Output --------------------------------------------------------------------------------------


def _member_codes(community, accounts) -> dict[int, str]:
    numbers = memberships_selectors.member_numbers(
        community, {a.person_id for a in accounts if a.person_id}
    )
    return {
        pid: member_refs_selectors.member_code(community, number) for pid, number in numbers.items()
    }


def _summary_out(account, codes: dict[int, str]) -> dict:
    return {
        "id": account.pk,
        "kind": account.kind,
        "name": account.name,
        "member_code": codes.get(account.person_id) if account.person_id else None,
        "balance_minutes": account.balance_minutes,
        "held_minutes": account.pending_debit_minutes,
        "closed_at": account.closed_at,
    }


def _account_out(community, account) -> dict:
    totals = accounts_selectors.account_totals(account)
    return {
        **_summary_out(account, _member_codes(community, [account])),
        "given_minutes": totals.given_minutes,
        "received_minutes": totals.received_minutes,
    }


def _line_out(line) -> dict:
    transfer = line.transfer
    return {
        "posting_id": line.posting_id,
        "transfer_id": transfer.pk,
        "reason": transfer.reason,
        "reason_label": transfer.get_reason_display(),
        "memo": transfer.memo,
        "amount_minutes": line.amount_minutes,
        "balance_after_minutes": line.balance_after_minutes,
        "counterparties": line.counterparties,
        "actor": transfer.actor.display_name if transfer.actor_id else None,
        "on_behalf_of": transfer.on_behalf_of.display_name if transfer.on_behalf_of_id else None,
        "reverses": transfer.reverses_id,
        "effective_at": transfer.effective_at,
        "created_at": transfer.created_at,
    }


def _transfer_out(community, transfer_id: int) -> dict:
    transfer = transfers_selectors.transfer_detail(community, transfer_id)
    reversal = getattr(transfer, "reversal", None)
    return {
        "id": transfer.pk,
        "sequence": transfer.sequence,
        "reason": transfer.reason,
        "reason_label": transfer.get_reason_display(),
        "status": transfer.status,
        "memo": transfer.memo,
        "actor": transfer.actor.display_name if transfer.actor else None,
        "on_behalf_of": transfer.on_behalf_of.display_name if transfer.on_behalf_of else None,
        "related_type": transfer.related_type,
        "related_id": transfer.related_id,
        "reverses": transfer.reverses_id,
        "reversed_by": reversal.pk if reversal is not None else None,
        "legs": [
            {
                "account_id": p.account_id,
                "account_name": p.account.name,
                "amount_minutes": p.amount_minutes,
                "pending": p.pending,
            }
            for p in transfer.postings.all()
        ],
        "effective_at": transfer.effective_at,
        "created_at": transfer.created_at,
    }


# Accounts ------------------------------------------------------------------------------------


@router.get(
    "/{slug}/accounts",
    response={200: AccountPage, **READ_ERRORS},
    tags=["accounts"],
    summary="Accounts (coordinators)",
)
def accounts_list(request, slug: Slug, query: Query[AccountListQuery]):
    """Every hours account in the community, oldest first: members', the community fund, the
    issuance account. Their ids are what transfers name."""
    community = paths.coordinated_community(request, slug)
    rows, next_cursor = keyset_page(
        accounts_selectors.accounts_in(community, kind=query.kind),
        fields=("id",),
        kinds=(key_int,),
        cursor=query.cursor,
        limit=query.limit,
    )
    codes = _member_codes(community, rows)
    return {"items": [_summary_out(a, codes) for a in rows], "next_cursor": next_cursor}


@router.get(
    "/{slug}/accounts/me",
    response={200: AccountOut, **READ_ERRORS},
    tags=["accounts"],
    summary="My balance",
)
def account_mine(request, slug: Slug):
    """Your balance, what is held, and everything given and received, in minutes. Your account
    opens with your first exchange; until then it shows zeros and no id."""
    community = paths.community(request, slug)
    membership = paths.member_community(request, community)
    account = accounts_selectors.account_of(community, request.user)
    if account is not None:
        return _account_out(community, account)
    return {
        "id": None,
        "kind": AccountKind.MEMBER,
        "name": request.user.display_name,
        "member_code": membership.member_code if membership.number else None,
        "balance_minutes": 0,
        "held_minutes": 0,
        "closed_at": None,
        "given_minutes": 0,
        "received_minutes": 0,
    }


@router.get(
    "/{slug}/accounts/{account_id}",
    response={200: AccountOut, **READ_ERRORS},
    tags=["accounts"],
    summary="An account",
)
def account_detail(request, slug: Slug, account_id: ObjectId):
    """Your own account, or (coordinators) any account in the community."""
    community, account = paths.account(request, slug, account_id)
    return _account_out(community, account)


@router.get(
    "/{slug}/accounts/{account_id}/statement",
    response={200: StatementPage, **READ_ERRORS},
    tags=["accounts"],
    summary="An account's statement",
)
def account_statement(request, slug: Slug, account_id: ObjectId, page: Query[PageParams]):
    """Newest first, with the running balance after each line and the totals beside the balance."""
    community, account = paths.account(request, slug, account_id)
    after = parse_key(page.cursor, (key_int,))
    lines = statements_selectors.account_statement(
        account, before_id=after[0] if after else None, limit=page.limit + 1
    )
    more = len(lines) > page.limit
    lines = lines[: page.limit]
    return {
        "account": _account_out(community, account),
        "items": [_line_out(line) for line in lines],
        "next_cursor": encode_cursor([lines[-1].posting_id]) if more and lines else None,
    }


@router.get(
    "/{slug}/accounts/{account_id}/statement.csv",
    response={**READ_ERRORS},
    tags=["accounts"],
    summary="An account's statement as CSV",
    openapi_extra=CSV_RESPONSE,
)
def account_statement_csv(request, slug: Slug, account_id: ObjectId):
    community, account = paths.account(request, slug, account_id)
    response = HttpResponse(
        statements_selectors.account_statement_csv(account), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="statement-{community.slug}-{account.pk}.csv"'
    )
    return response


# Transfers -----------------------------------------------------------------------------------


@router.post(
    "/{slug}/transfers",
    response={201: TransferOut, **WRITE_ERRORS},
    tags=["transfers"],
    summary="Move hours between accounts (coordinators)",
    auth=COORDINATOR_AUTH,
)
def transfer_create(request, slug: Slug, idempotency_key: IdempotencyKey, payload: TransferIn):
    """A direct transfer, grant, adjustment or issuance between accounts of this community, all
    legs or none. 404 `account_not_found` for an account elsewhere; 409 `account_closed`,
    `limit_exceeded`."""
    community = paths.coordinated_community(request, slug)
    transfer = transfers_services.transfer_create(
        actor=request.user,
        community=community,
        idempotency_key=paths.client_key(request, idempotency_key),
        legs=[postings_services.Leg(leg.account_id, leg.amount_minutes) for leg in payload.legs],
        reason=payload.reason,
        memo=payload.memo,
    )
    return Status(201, _transfer_out(community, transfer.pk))


@router.get(
    "/{slug}/transfers/{transfer_id}",
    response={200: TransferOut, **READ_ERRORS},
    tags=["transfers"],
    summary="A transfer",
)
def transfer_detail(request, slug: Slug, transfer_id: ObjectId):
    """For coordinators, and for the holders of the accounts it moves."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    transfer = transfers_selectors.transfer_detail(community, transfer_id)
    ledger_access.access_transfer(request.user, community, transfer)
    return _transfer_out(community, transfer.pk)


@router.post(
    "/{slug}/transfers/{transfer_id}/reverse",
    response={201: TransferOut, **WRITE_ERRORS},
    tags=["transfers"],
    summary="Reverse a transfer (coordinators)",
    auth=COORDINATOR_AUTH,
)
def transfer_reverse(
    request, slug: Slug, transfer_id: ObjectId, idempotency_key: IdempotencyKey, payload: ReverseIn
):
    """A new transfer with every amount negated; answers with it. At most once per transfer:
    409 `already_reversed`; 409 `limit_exceeded` when a balance cannot give the time back. For an
    exchange's hours, reverse the exchange instead: its members are then told why."""
    community = paths.coordinated_community(request, slug)
    transfers_selectors.transfer_get(community, transfer_id)
    reversal = reversals_services.transfer_reverse(
        actor=request.user,
        community=community,
        transfer_id=transfer_id,
        reason=payload.reason,
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return Status(201, _transfer_out(community, reversal.pk))


# The community fund --------------------------------------------------------------------------


@router.get(
    "/{slug}/fund",
    response={200: FundOut, **READ_ERRORS},
    tags=["fund"],
    summary="The community fund",
)
def fund(request, slug: Slug, page: Query[PageParams]):
    """Its balance and movements, newest first, for every member. Who gave or received and why
    (a grant's reason can be about someone's health or money) are shown to coordinators only."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    after = parse_key(page.cursor, (key_int,))
    found = statements_selectors.fund_page(
        community,
        viewer_coordinates=access.is_coordinator(request.user, community),
        before_id=after[0] if after else None,
        limit=page.limit,
    )
    account = accounts_selectors.system_account(community, AccountKind.FUND)
    return {
        "account_id": account.pk if account is not None else None,
        "balance_minutes": found.balance_minutes,
        "items": [
            {
                "posting_id": line.posting_id,
                "reason_label": line.reason,
                "amount_minutes": line.amount_minutes,
                "balance_after_minutes": line.balance_after_minutes,
                "who": line.who,
                "note": line.note,
                "effective_at": line.effective_at,
            }
            for line in found.lines
        ],
        "next_cursor": encode_cursor([found.older_before])
        if found.older_before is not None
        else None,
    }


@router.post(
    "/{slug}/fund/donations",
    response={201: TransferOut, **WRITE_ERRORS},
    tags=["fund"],
    summary="Give hours to the community fund",
)
def fund_donate(request, slug: Slug, idempotency_key: IdempotencyKey, payload: DonationIn):
    """From your balance (or, for coordinators, the member named in `on_behalf_of`). 409
    `limit_exceeded` when the balance cannot give it."""
    community = paths.community(request, slug)
    paths.member_community(request, community)
    person = paths.acting_member(request, community, payload.on_behalf_of)
    transfer = fund_services.fund_donate(
        actor=request.user,
        community=community,
        person=person,
        minutes=payload.minutes,
        idempotency_key=paths.client_key(request, idempotency_key),
        note=payload.note,
    )
    return Status(201, _transfer_out(community, transfer.pk))


@router.post(
    "/{slug}/fund/grants",
    response={201: TransferOut, **WRITE_ERRORS},
    tags=["fund"],
    summary="Grant hours from the fund (coordinators)",
    auth=COORDINATOR_AUTH,
)
def fund_grant(request, slug: Slug, idempotency_key: IdempotencyKey, payload: GrantIn):
    """To a member in need, with a reason. 409 `limit_exceeded` when the fund is too low."""
    community = paths.coordinated_community(request, slug)
    transfer = fund_services.fund_grant(
        actor=request.user,
        community=community,
        person=paths.member_named(community, payload.member, "member"),
        minutes=payload.minutes,
        reason=payload.reason,
        idempotency_key=paths.client_key(request, idempotency_key),
    )
    return Status(201, _transfer_out(community, transfer.pk))
