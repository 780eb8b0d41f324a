"""What the exchange write paths cost in queries: recording, confirming (one to one, and a group
of ten, which costs no more), and confirming through the web and the API. Each count includes the
transaction's own statements (the test's savepoint and its release, BEGIN and COMMIT in
production).

Confirming reads the exchange (locked) and its participants once, every member's account in one
query (`ledger.services.member_accounts`), then writes: the transfer (seven statements inside the
ledger, its rules read included), the exchange, the audit row, the answered "please confirm"
notice and the notice to the recorder. When the caller read the exchange with its participants
(the faces do, for the access check) the service reuses them: one query fewer.

What the faces add: the session and the person (two on the web) or the token (one, and its
last-used stamp on a token's first use in a minute) in the API; the person's memberships with
their roles and communities, the path's community among them (one); the exchange and its
participants for the access check (two). The web's link to leave a reference costs nothing
(the exchange was confirmed by this request: no reversal or reference can exist yet); the API
adds the client's key (read, then written with the result: two) and the exchange it answers
with (the exchange with its transfer, and its expenses: two; the participants and their member
numbers come from the access check's read)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse
from django.utils import timezone

from coproduce.communities.services import memberships as memberships_services
from coproduce.exchanges.models import Exchange, ExchangeStatus
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.ledger.selectors import accounts as accounts_selectors
from tests.api.conftest import bearer, key_header
from tests.conftest import make_person

CONFIRM = 16  # the confirmation service, everyone's accounts already open
OPENING = 2  # one insert for the accounts not opened yet, one query to read them back
# The answering member's memberships (is their membership suspended?), read once per request: the
# pages and the API have read them already (WEB_CONFIRM, API_CONFIRM); a bare service call reads
# them here.
MEMBERSHIPS = 1
RECORD = (
    11  # recording one to one: the rules, who is a member, the rows, one notice, the client's key
)
WEB_CONFIRM = 20  # 2 + 1 + 2 + CONFIRM - 1
API_CONFIRM = 24  # 2 + 1 + 2 + 2 + CONFIRM - 1 + 2


def people(community, count: int, prefix: str) -> list:
    made = [make_person(f"{prefix}{i}@example.org", f"{prefix.title()} {i}") for i in range(count)]
    for person in made:
        memberships_services.membership_add(actor=None, community=community, person=person)
    return made


def record(community, actor, providers, recipients) -> Exchange:
    return exchanges_services.exchange_record(
        actor=actor,
        community=community,
        idempotency_key=str(uuid.uuid4()),
        providers=providers,
        recipients=recipients,
        minutes=60,
        effective_on=timezone.localdate(),
        category="Gardening",
    )


@pytest.fixture
def warm(community, member, agency_staff):
    """A first exchange confirmed between the two: the community's ledger has begun and both
    have their accounts, as in any community after its first day."""
    answers_services.exchange_confirm(
        actor=agency_staff, exchange=record(community, member, [member], [agency_staff])
    )


def balance(community, person) -> int:
    account = accounts_selectors.account_of(community, person)
    return account.balance_minutes if account else 0


def test_it_records_one_to_one_in_a_fixed_number_of_queries(
    community, member, agency_staff, warm, django_assert_num_queries
):
    with django_assert_num_queries(RECORD):
        record(community, member, [member], [agency_staff])


def test_it_records_a_group_with_one_query_for_everyone_and_a_notice_each(
    community, member, warm, django_assert_num_queries
):
    group = people(community, 10, "learner")
    # Who is a member is one query for all eleven; each of the ten is asked to confirm in a
    # notice of their own (notifications.services.notify stores one at a time).
    with django_assert_num_queries(RECORD + 9):
        record(community, member, [member], group)


def test_it_confirms_one_to_one_reading_the_exchange_and_its_people_once(
    community, member, agency_staff, warm, django_assert_num_queries
):
    exchange = record(community, member, [member], [agency_staff])
    with django_assert_num_queries(CONFIRM):
        answers_services.exchange_confirm(actor=agency_staff, exchange=exchange)
    assert Exchange.objects.get(pk=exchange.pk).status == ExchangeStatus.CONFIRMED


@pytest.mark.parametrize("size", [2, 10])
def test_it_confirms_a_group_in_as_many_queries_however_many_took_part(
    community, member, warm, size, django_assert_num_queries
):
    group = people(community, size, "learner")
    exchange = record(community, member, [member], group)
    # None of the group has an account yet: they are opened together, then read back once.
    with django_assert_num_queries(CONFIRM + OPENING + MEMBERSHIPS):
        answers_services.exchange_confirm(actor=group[0], exchange=exchange)
    assert balance(community, member) == 120
    assert sorted(balance(community, person) for person in group) == sorted(
        [-(60 // size) - (1 if i < 60 % size else 0) for i in range(size)]
    )
    again = record(community, member, [member], group)
    with django_assert_num_queries(CONFIRM + MEMBERSHIPS):
        answers_services.exchange_confirm(actor=group[-1], exchange=again)


def test_it_confirms_on_the_web_in_a_fixed_number_of_queries(
    client, community, member, agency_staff, warm, django_assert_num_queries
):
    exchange = record(community, member, [member], [agency_staff])
    client.force_login(agency_staff)
    with django_assert_num_queries(WEB_CONFIRM):
        response = client.post(reverse("web:exchange_confirm", args=[community.slug, exchange.pk]))
    assert response.status_code == 302
    assert Exchange.objects.get(pk=exchange.pk).status == ExchangeStatus.CONFIRMED


def test_it_confirms_through_the_api_in_a_fixed_number_of_queries(
    client, community, member, agency_staff, warm, django_assert_num_queries
):
    exchange = record(community, member, [member], [agency_staff])
    headers = key_header(bearer(agency_staff))
    with django_assert_num_queries(API_CONFIRM):
        response = client.post(
            f"/api/v1/communities/{community.slug}/exchanges/{exchange.pk}/confirm",
            content_type="application/json",
            headers=headers,
        )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "confirmed"
