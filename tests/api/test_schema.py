"""The API against its own OpenAPI document: schemathesis generates requests for every operation
(valid and invalid ones) and checks that nothing answers 500, that every status code is one the
operation documents, that every response body matches its documented schema, and that an
operation documented as needing credentials answers 401 when they are left out (ignored_auth).

Requests go through the real WSGI application in this process, with a coordinator's bearer
token, inside the test's database transaction. Path parameters are pointed at real rows most of
the time so the generated bodies reach the services, not only the 404 for an unknown community;
writes that move hours get a fresh Idempotency-Key most of the time."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import jsonschema_rs
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.definitions import OPENAPI_31

from config.wsgi import application
from coproduce.communities.models import CheckKind, CheckResult
from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import references as references_services
from coproduce.communities.services import vetting as vetting_services
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import images as images_services
from coproduce.exchanges.services import listings as listings_services
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg
from coproduce.messaging.services import conversations as conversations_services

from ..exchanges.images import picture
from .conftest import apply, bearer

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"mode": "all", "max-examples": 15, "database": "none"},
        "suppress-health-check": ["too_slow", "filter_too_much", "data_too_large"],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    ignored_auth,
]


@pytest.fixture
def same_connection():
    """Requests go through the real WSGI handler, whose request signals close the database
    connection after each request; that would end the test's transaction on PostgreSQL. Django's
    own test client disconnects the same handler."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(
    same_connection, community, other_community, coordinator, member, agency_staff, other_member
):
    """A small community with something behind every path parameter."""
    profiles_services.gift_profile_update(
        actor=member, person=member, gifts=[("hands", "Fixing bikes")], availability=["mon-am"]
    )
    vetting_services.check_record(
        actor=coordinator,
        community=community,
        person=member,
        kind=CheckKind.ID_SEEN,
        result=CheckResult.PASSED,
        checked_on=dt.date(2024, 1, 5),
    )
    applications = [
        apply(community, full_name=f"Applicant {i}", email=f"applicant{i}@example.org")
        for i in range(3)
    ]
    references_services.reference_request(
        actor=coordinator,
        application=applications[0],
        referee_name="Rita",
        referee_email="rita@example.org",
    )
    return {
        "headers": bearer(coordinator),
        "numbers": [m.number for m in community.memberships.order_by("number")],
        "coordinator_number": coordinator.memberships.get(community=community).number,
        "member_number": member.memberships.get(community=community).number,
        "application_ids": [a.pk for a in applications],
        **_hours(community, coordinator, member, agency_staff),
        **_listings(community, coordinator, member),
        **_messages(community, coordinator, member),
        **_sessions(community, coordinator, member),
        **_partners(community, coordinator, member),
        **_referrals(community, coordinator),
    }


def _referrals(community, coordinator) -> dict:
    """A referral (from the first agency) and a sitting of its self-assessment, so the referral
    and assessment operations reach real rows."""
    from coproduce.coproduction.selectors import assessments as assessments_selectors
    from coproduce.coproduction.selectors import referrals as referrals_selectors
    from coproduce.coproduction.services import assessments as assessments_services
    from coproduce.coproduction.services import referrals as referrals_services

    agency = referrals_selectors.agencies_referring(coordinator, community)[0]
    referral = referrals_services.referral_create(
        actor=coordinator,
        agency=agency,
        target="community",
        full_name="Pat Patient",
        phone="07700 900123",
        consent_given=True,
        consent_note="Agreed by phone",
    )
    assessments_services.assessment_create(
        actor=coordinator,
        agency=agency,
        completed_on=dt.date(2026, 1, 5),
        scores=dict.fromkeys(assessments_selectors.PAIRS, 2),
    )
    return {"referral_ids": [referral.pk]}


def _partners(community, coordinator, member) -> dict:
    """A spend partner with an offer and a redemption, so the partner operations reach real rows."""
    from coproduce.coproduction.services import partners

    partner = partners.partner_create(actor=coordinator, community=community, name="Riverside Pool")
    offer = partners.offer_create(
        actor=coordinator, partner=partner, title="One swim", minutes=30, max_children=2
    )
    partners.redemption_create(
        actor=coordinator,
        partner=partner,
        offer=offer,
        member_ref=member.memberships.get(community=community).member_code,
        idempotency_key="schema-swim",
    )
    return {
        "partner_ids": [partner.pk],
        "offer_id": offer.pk,
        "member_code": member.memberships.get(community=community).member_code,
    }


def _sessions(community, coordinator, member) -> dict:
    """A published role with a session the member is booked on and one that is full, so the
    session and sign-up operations reach real rows."""
    from coproduce.coproduction.services import agencies, sessions

    agency = agencies.agency_create(
        actor=coordinator, community=community, name="Riverside Library", kind="library"
    )
    role = agencies.role_create(
        actor=coordinator,
        agency=agency,
        title="Digital helper",
        description="Help people",
        commitment="Weekly",
    )
    role = agencies.role_publish(actor=coordinator, role=role)
    start = timezone.now() + dt.timedelta(days=2)
    made = [
        sessions.session_create(
            actor=coordinator,
            role=role,
            place="Library",
            starts_at=start + dt.timedelta(days=i),
            ends_at=start + dt.timedelta(days=i, hours=2),
            capacity=1,
        )
        for i in range(2)
    ]
    signups = [
        sessions.signup_create(actor=coordinator, session=made[0], person=member),
        sessions.signup_create(actor=coordinator, session=made[1]),
    ]
    return {
        "session_ids": [s.pk for s in made],
        "signup_ids": [s.pk for s in signups],
        "role_ids": [role.pk],
        "agency_slug": agency.slug,
    }


def _messages(community, coordinator, member) -> dict:
    """A conversation the coordinator is in and one reported to them, so the message operations
    reach real rows."""
    own = conversations_services.conversation_start(
        actor=coordinator, community=community, recipient=member, body="Hello"
    )
    reply = conversations_services.message_send(actor=member, conversation=own, body="Hi back")
    return {"conversation_ids": [own.pk], "message_ids": [reply.pk, own.messages.first().pk]}


def _listings(community, coordinator, member) -> dict:
    """Offers and requests of both people (one closed) and a picture on each open one, and a
    neighbourhood, so the listing operations reach them."""
    made = [
        listings_services.listing_create(
            actor=owner,
            community=community,
            kind=kind,
            title=title,
            category="gardening",
            lat=51.5,
            lng=-0.12,
            availability=["mon-am"],
        )
        for owner, kind, title in [
            (member, "offer", "Weeding"),
            (coordinator, "request", "Help with a hedge"),
            (member, "request", "Lift to the shops"),
            (coordinator, "offer", "Closed one"),
        ]
    ]
    listings_services.listing_close(actor=coordinator, listing=made[-1])
    pictures = [
        images_services.listing_image_add(actor=coordinator, listing=listing, upload=picture())
        for listing in made[:-1]
    ]
    neighbourhoods_services.neighbourhood_add(
        actor=coordinator, community=community, name="Old Town", lat=51.5, lng=-0.12
    )
    return {"listing_ids": [listing.pk for listing in made], "image_ids": [p.pk for p in pictures]}


def _hours(community, coordinator, member, agency_staff) -> dict:
    """Exchanges in each state (one the coordinator can answer), accounts and transfers."""
    issuance = accounts_services.issuance_account(community)
    fund = accounts_services.fund_account(community)
    accounts = [
        accounts_services.member_account(community, p) for p in (coordinator, member, agency_staff)
    ]
    seed = transfers_services.transfer_create(
        actor=coordinator,
        community=community,
        idempotency_key="seed",
        legs=[Leg(issuance.pk, -400), Leg(fund.pk, 100), *[Leg(a.pk, 100) for a in accounts]],
    )
    today = timezone.localdate()

    def record(provider, recipient, key):
        return exchanges_services.exchange_record(
            actor=provider,
            community=community,
            idempotency_key=key,
            providers=[provider],
            recipients=[recipient],
            minutes=30,
            effective_on=today,
            category="Gardening",
        )

    waiting_for_coordinator = record(member, coordinator, "w1")
    waiting_for_staff = record(member, agency_staff, "w2")
    disputed = record(agency_staff, member, "d")
    answers_services.exchange_dispute(actor=member, exchange=disputed, reason="Wrong day")
    confirmed = record(coordinator, member, "c")
    answers_services.exchange_confirm(actor=member, exchange=confirmed)
    return {
        "exchange_ids": [
            waiting_for_coordinator.pk,
            waiting_for_staff.pk,
            disputed.pk,
            confirmed.pk,
        ],
        "account_ids": [issuance.pk, fund.pk, *[a.pk for a in accounts]],
        "transfer_ids": [seed.pk, confirmed.transfer_id],
    }


def _aim(case, world) -> None:
    """Point most generated path parameters at existing rows (keeping some misses)."""
    params = case.path_parameters or {}
    if "slug" in params and len(str(params["slug"])) % 5:
        params["slug"] = "riverside"
    if "number" in params and isinstance(params["number"], int) and params["number"] % 5:
        params["number"] = world["numbers"][params["number"] % len(world["numbers"])]
    for name in (
        "application_id",
        "exchange_id",
        "account_id",
        "transfer_id",
        "listing_id",
        "conversation_id",
        "message_id",
        "image_id",
        "session_id",
        "signup_id",
        "role_id",
        "partner_id",
        "referral_id",
    ):
        if name in params and isinstance(params[name], int) and params[name] % 5:
            ids = world[f"{name}s"]
            params[name] = ids[params[name] % len(ids)]
    if "agency_slug" in params and len(str(params["agency_slug"])) % 5:
        params["agency_slug"] = world["agency_slug"]
    _aim_body(case, world)
    # Writes that move hours: a fresh key most of the time, so generated bodies reach the
    # services rather than replays of one another (missing and malformed keys stay as generated).
    key = (case.headers or {}).get("Idempotency-Key")
    if isinstance(key, str) and re.fullmatch(r"[!-~]{1,80}", key) and len(key) % 4:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())


def _aim_body(case, world) -> None:
    """Make some generated hours bodies plausible (real people and accounts, today, amounts in
    range), so that recording, entries and transfers also succeed, not only fail validation."""
    body = case.body
    if not isinstance(body, dict) or len(str(body)) % 3 == 0:
        return
    path = case.path
    if path.endswith("/exchanges") or path.endswith("/exchanges/entries"):
        body.update(
            providers=[world["coordinator_number"]],
            recipients=[world["numbers"][len(str(body)) % 2]],
            minutes=15 + len(str(body)) % 400,
            effective_on=timezone.localdate().isoformat(),
        )
        if world["coordinator_number"] in body["recipients"]:
            body["recipients"] = [world["member_number"]]
        body.pop("on_behalf_of", None)
        if body.get("listing_id") is not None and path.endswith("/exchanges"):
            body["listing_id"] = world["listing_ids"][len(str(body)) % len(world["listing_ids"])]
    elif path.endswith("/images") and case.method.upper() == "POST":
        body["image"] = picture()  # a real picture now and then, so an upload also succeeds
    elif path.endswith("/listings") and case.method.upper() == "POST":
        body.update(category="gardening", kind=("offer", "request")[len(str(body)) % 2])
        body.pop("expires_at", None)
        body.pop("on_behalf_of", None)
    elif path.endswith("/referrals") and case.method.upper() == "POST":
        body.update(agency=world["agency_slug"], consent_given=True)
    elif path.endswith("/redemptions") and case.method.upper() == "POST":
        body.update(offer_id=world["offer_id"], member=world["member_code"])
    elif path.endswith("/transfers"):
        amount = 1 + len(str(body)) % 50
        body.update(
            legs=[
                {"account_id": world["account_ids"][2], "amount_minutes": -amount},
                {"account_id": world["account_ids"][3], "amount_minutes": amount},
            ]
        )
        body.setdefault("memo", "Schema test")


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@pytest.mark.django_db
def test_it_conforms_to_its_schema(case, world):
    _aim(case, world)
    case.call_and_validate(headers=world["headers"], checks=CHECKS)


def test_it_serves_a_valid_openapi_3_document(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    errors = list(jsonschema_rs.Draft202012Validator(OPENAPI_31).iter_errors(document))
    assert errors == []
    # Every operation documents the error format for its error statuses.
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation["responses"]}
            assert {401, 403, 404, 422} <= codes, (method, path)
            for code, spec in operation["responses"].items():
                if int(code) >= 400:
                    assert spec["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }


def test_it_serves_the_docs_from_local_files(client, db):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert "/static/ninja/swagger-ui-bundle.js" in sources
    assert "<script>" not in html.replace(
        '<script type="application/json"', ""
    )  # no inline script (CSP)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
