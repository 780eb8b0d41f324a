"""A member's History, as a coordinator reads it: a sentence for every action the code base
audits, field labels, "nothing" for empty values, and who acted (or the system) in words."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

from django.urls import reverse
from django.utils import timezone

from coproduce.communities.models import Role
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import profiles as profiles_services
from coproduce.communities.services import references as references_services
from coproduce.coproduction.services import partners
from coproduce.exchanges.models import EntryMethod
from coproduce.exchanges.services import listings as listings_services
from coproduce.messaging.services import conversations as conversations_services
from coproduce.web.history import ACTIONS
from tests.coproduction.partner_helpers import SATURDAY_MORNING, give_credit, leisure_centre, swim

from .conftest import submit_application, text

ROOT = Path(__file__).resolve().parents[2] / "coproduce"
# Actions built from a value at run time, and every value they can take.
DYNAMIC = {
    "exchange.{exchange.method}": {f"exchange.{method}" for method in EntryMethod.values},
    "sign_in.{kind}_issue": {"sign_in.link_issue", "sign_in.code_issue"},
}


def _strings(node: ast.expr, source: str) -> set[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body, source) | _strings(node.orelse, source)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return {a + b for a in _strings(node.left, source) for b in _strings(node.right, source)}
    if isinstance(node, ast.JoinedStr):
        parts: set[str] = {""}
        for value in node.values:
            inner = value.value if isinstance(value, ast.FormattedValue) else value
            found = _strings(inner, source)
            if not found:
                return DYNAMIC.get(ast.unparse(node)[2:-1], set())
            parts = {a + b for a in parts for b in found}
        return parts
    return set()


def audited_actions() -> dict[str, str]:
    """Every action passed to audit_record in the code base, with where it is written."""
    found: dict[str, str] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        source = path.read_text()
        for node in ast.walk(ast.parse(source)):
            if not (
                isinstance(node, ast.Call) and getattr(node.func, "id", None) == "audit_record"
            ):
                continue
            action = next(k.value for k in node.keywords if k.arg == "action")
            names = _strings(action, source)
            assert names, (
                f"{path}:{node.lineno}: cannot tell the action {ast.unparse(action)}; add it to "
                "DYNAMIC"
            )
            for name in names:
                found[name] = f"{path.relative_to(ROOT)}:{node.lineno}"
    return found


def test_it_has_words_for_every_audited_action():
    actions = audited_actions()
    assert len(actions) > 80  # the scan finds them: it cannot pass by finding nothing
    missing = {name: where for name, where in actions.items() if name not in ACTIONS}
    assert missing == {}, "add a sentence to coproduce/web/history.py ACTIONS"


def history_page(client, community, coordinator, person) -> str:
    client.force_login(coordinator)
    number = person.memberships.get(community=community).number
    return text(client.get(reverse("web:member_detail", args=[community.slug, number])))


def test_it_shows_a_members_history_in_words(client, community, coordinator, member, agency_staff):
    conversations_services.conversation_start(
        actor=agency_staff,
        community=community,
        recipient=member,
        body="Could you help with my garden?",
    )
    memberships_services.role_set(
        actor=coordinator, membership=member.memberships.get(), role=Role.STEWARD, granted=True
    )
    profiles_services.person_details_update(actor=coordinator, person=member, neighbourhood="Docks")
    partner = leisure_centre(coordinator, community)
    offer = swim(coordinator, partner)
    give_credit(community, member, 120)
    partners.redemption_create(
        actor=coordinator,
        partner=partner,
        offer=offer,
        member_ref=member.memberships.get().member_code,
        idempotency_key="swim-1",
        at=SATURDAY_MORNING,
    )
    listings_services.listing_create(
        actor=member,
        community=community,
        kind="request",
        title="Help with the garden",
        category="gardening",
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    assert listings_services.listings_expire(now=timezone.now() + dt.timedelta(days=2)) == 1

    page = history_page(client, community, coordinator, member)
    assert "A conversation with them was started." in page
    assert "They were given a role." in page and "Role: nothing → Steward" in page
    assert "Neighbourhood: nothing → Docks" in page
    assert "They spent credits at a spend partner." in page
    assert "Where the credits go: nothing → The partner keeps them" in page
    assert "Hours: nothing → 1h00" in page
    assert "A listing expired." in page and "Status: Active → Expired" in page
    assert "By the system" in page
    assert "By Cora Coordinator" in page
    for code in (
        "conversation.start",
        "credits_go",
        "membership.role_grant",
        "(empty)",
        "someone not signed in",
        "listing.expire",
    ):
        assert code not in page


def test_it_says_who_acted_without_signing_in(client, community, coordinator):
    application = submit_application(community)
    _, token = references_services.reference_request(
        actor=coordinator,
        application=application,
        referee_name="Ravi Referee",
        referee_email="ravi@example.org",
    )
    references_services.reference_answer(
        token=token, outcome="supports", answer="Known her for years."
    )
    applications_services.application_approve(actor=coordinator, application=application)
    page = history_page(client, community, coordinator, application.person)
    assert "Their application to join was sent." in page
    assert "By the applicant, on the public form" in page
    assert (
        "A referee answered." in page and "By the referee, through the link emailed to them" in page
    )
    assert "Status: nothing → Waiting for a decision" in page
    assert "Outcome: nothing → Supports the application" in page
