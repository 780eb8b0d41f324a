"""A suspended member (governance's sanctions set the membership suspended) is still a member
for reading, messaging a coordinator and appealing, and every other write refuses with the one
error, PermissionDenied `suspended` (communities.access.access_not_suspended).

The walk: every service function taking an `actor` in the domain apps is listed below, either
walked for a suspended member (or a suspended coordinator, or suspended agency staff) and
expected to refuse with `suspended`, or left open with the reason. A new service that is in
neither list fails `test_every_service_is_walked_or_left_open_with_a_reason`."""

from __future__ import annotations

import ast
import datetime as dt
import uuid
from pathlib import Path

import pytest
from django.utils import timezone

from coproduce.communities import access
from coproduce.communities.models import Membership, MembershipStatus, Person, Role
from coproduce.communities.selectors.communities import local_today, rules_for
from coproduce.communities.services import communities as communities_services
from coproduce.communities.services import contact_relay as contact_relay_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.coproduction.models import AgencyMembership, AgencyRole
from coproduce.coproduction.services import partners as partners_services
from coproduce.coproduction.services import sessions as sessions_services
from coproduce.core.errors import PermissionDenied
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import exchanges as exchanges_services
from coproduce.exchanges.services import fund as fund_services
from coproduce.exchanges.services import images as images_services
from coproduce.exchanges.services import listings as listings_services
from coproduce.exchanges.services import references as references_services
from coproduce.exchanges.services import reminders as reminders_services
from coproduce.governance.models import BudgetRound, Comment, Commitment
from coproduce.governance.services import ballots as ballots_services
from coproduce.governance.services import budgets as budgets_services
from coproduce.governance.services import follow_up as follow_up_services
from coproduce.governance.services import proposals as proposals_services
from coproduce.governance.services import sanctions as sanctions_services
from coproduce.messaging.services import conversations as conversations_services
from tests.conftest import make_person
from tests.coproduction.partner_helpers import leisure_centre, swim

ROOT = Path(__file__).resolve().parents[2] / "coproduce"
APPS = (
    "communities",
    "exchanges",
    "coproduction",
    "messaging",
    "governance",
    "ledger",
    "notifications",
)


def fresh(person):
    return Person.objects.get(pk=person.pk)


def suspend(community, by, person):
    if rules_for(community)["sanction_steps_in_order"] != "no":
        communities_services.rulebook_change(
            actor=None, community=community, changes={"sanction_steps_in_order": "no"}, reason="t"
        )
    sanctions_services.sanction_create(
        actor=fresh(by),
        community=community,
        member=Membership.objects.get(person=person, community=community).number,
        step="suspension",
        rule_broken="Respect other members",
        reason="Shouted at a volunteer.",
    )
    assert Membership.objects.get(person=person, community=community).status == "suspended"


class World:
    """What the walk needs, made while the member was active, then the member suspended."""


@pytest.fixture
def world(community, coordinator, member, agency_staff):
    from coproduce.coproduction.models import Agency, AgencyKind, CoproductionRole, Session
    from coproduce.ledger.services import accounts as accounts_services

    w = World()
    w.community, w.coordinator = community, coordinator
    communities_services.rulebook_change(
        actor=None,
        community=community,
        changes={"proposal_member_days": 0, "proposal_cosigners": 1},
        reason="Proposals for the walk",
    )
    w.friend = make_person("friend@riverside.example", "Fran Friend")
    memberships_services.membership_add(actor=None, community=community, person=w.friend)
    w.listing = listings_services.listing_create(
        actor=member, community=community, kind="offer", title="Weeding", category="gardening"
    )
    w.exchange = exchanges_services.exchange_record(
        actor=w.friend,
        community=community,
        idempotency_key=str(uuid.uuid4()),
        providers=[w.friend],
        recipients=[member],
        minutes=60,
        effective_on=local_today(community),
        title="Shopping",
    )
    w.conversation = conversations_services.conversation_start(
        actor=member, community=community, recipient=w.friend, body="Hello"
    )
    w.own_proposal = proposals_services.proposal_draft(
        actor=member, community=community, kind="general", title="Benches", body="More benches."
    )
    w.proposal = proposals_services.proposal_draft(
        actor=w.friend, community=community, kind="general", title="Tools", body="A tool shed."
    )
    w.comment = Comment.objects.create(
        proposal=w.own_proposal, author=w.friend, body="Say where.", is_amendment=True
    )
    account = accounts_services.organisation_account_open(community=community, name="GP")
    w.agency = Agency.objects.create(
        community=community,
        name="GP",
        slug="gp",
        kind=AgencyKind.GP_PRACTICE,
        place="Dock Street",
        account=account,
    )
    AgencyMembership.objects.create(agency=w.agency, person=agency_staff, role=AgencyRole.ADMIN)
    role = CoproductionRole.objects.create(
        community=community,
        agency=w.agency,
        title="Peer supporter",
        description="Sit with people.",
        commitment="2 hours",
        staff_lead=agency_staff,
        status="published",
    )
    start = timezone.now() + dt.timedelta(days=1)
    w.session = Session.objects.create(
        community=community,
        agency=w.agency,
        role=role,
        place="Waiting room",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        capacity=3,
    )
    w.partner = leisure_centre(coordinator, community, w.agency)
    w.offer = swim(coordinator, w.partner)
    w.staff = fresh(agency_staff)
    suspend(community, coordinator, member)
    w.member = fresh(member)
    w.code = Membership.objects.get(person=member, community=community).member_code
    return w


def _key() -> str:
    return str(uuid.uuid4())


# Each walked service, called as (or for) the suspended member.
MEMBER_WALK = {
    "exchanges.exchange_record": lambda w: exchanges_services.exchange_record(
        actor=w.member,
        community=w.community,
        idempotency_key=_key(),
        providers=[w.member],
        recipients=[w.friend],
        minutes=30,
        effective_on=local_today(w.community),
    ),
    "answers.exchange_confirm": lambda w: answers_services.exchange_confirm(
        actor=w.member, exchange=w.exchange
    ),
    "answers.exchange_decline": lambda w: answers_services.exchange_decline(
        actor=w.member, exchange=w.exchange, reason="Not me"
    ),
    "answers.exchange_dispute": lambda w: answers_services.exchange_dispute(
        actor=w.member, exchange=w.exchange, reason="Not me"
    ),
    "references.reference_leave": lambda w: references_services.reference_leave(
        actor=w.member, exchange=w.exchange, subject=w.friend, kind="positive", text="Kind"
    ),
    "listings.listing_create": lambda w: listings_services.listing_create(
        actor=w.member, community=w.community, kind="offer", title="Ironing", category="home"
    ),
    "listings.listing_update": lambda w: listings_services.listing_update(
        actor=w.member, listing=w.listing, title="Weeding and mowing"
    ),
    "listings.listing_close": lambda w: listings_services.listing_close(
        actor=w.member, listing=w.listing, reason="Done"
    ),
    "reminders.listing_renew": lambda w: reminders_services.listing_renew(
        actor=w.member, listing=w.listing
    ),
    "images.listing_image_add": lambda w: images_services.listing_image_add(
        actor=w.member, listing=w.listing, upload=None
    ),
    "images.listing_image_remove": lambda w: images_services.listing_image_remove(
        actor=w.member, image=_image(w)
    ),
    "fund.fund_donate": lambda w: fund_services.fund_donate(
        actor=w.member,
        community=w.community,
        person=w.member,
        minutes=30,
        idempotency_key=_key(),
    ),
    "sessions.signup_create": lambda w: sessions_services.signup_create(
        actor=w.member, session=w.session
    ),
    "partners.redemption_create": lambda w: partners_services.redemption_create(
        actor=w.staff,
        partner=w.partner,
        offer=w.offer,
        member_ref=w.code,
        adults=1,
        children=0,
        idempotency_key=_key(),
    ),
    "conversations.conversation_start": lambda w: conversations_services.conversation_start(
        actor=w.member, community=w.community, recipient=w.friend, body="Hi again"
    ),
    "conversations.message_send": lambda w: conversations_services.message_send(
        actor=w.member, conversation=w.conversation, body="Are you there?"
    ),
    "contact_relay.contact_relay_send": lambda w: contact_relay_services.contact_relay_send(
        actor=w.member,
        community=w.community,
        recipient=Membership.objects.get(person=w.friend, community=w.community),
        message="Hello",
    ),
    "proposals.proposal_draft": lambda w: proposals_services.proposal_draft(
        actor=w.member, community=w.community, kind="general", title="Lights", body="Lights."
    ),
    "proposals.proposal_cosign": lambda w: proposals_services.proposal_cosign(
        actor=w.member, proposal=w.proposal
    ),
    "proposals.proposal_comment": lambda w: proposals_services.proposal_comment(
        actor=w.member, proposal=w.proposal, body="Yes please"
    ),
    "proposals.amendment_accept": lambda w: proposals_services.amendment_accept(
        actor=w.member, comment=w.comment
    ),
    "proposals.proposal_withdraw": lambda w: proposals_services.proposal_withdraw(
        actor=w.member, proposal=w.own_proposal
    ),
    "ballots.ballot_cast": lambda w: ballots_services.ballot_cast(
        actor=w.member, proposal=w.proposal, choice="yes"
    ),
    "ballots.objection_withdraw": lambda w: ballots_services.objection_withdraw(
        actor=w.member, proposal=w.proposal
    ),
    "follow_up.review_give": lambda w: follow_up_services.review_give(
        actor=w.member, proposal=w.proposal, verdict="yes"
    ),
    "follow_up.commitment_note": lambda w: follow_up_services.commitment_note(
        actor=w.member,
        commitment=Commitment(proposal=w.proposal, owner_person=w.member),
        body="Done",
    ),
    "follow_up.ask_answer": lambda w: follow_up_services.ask_answer(
        actor=w.member, proposal=w.proposal, answer="decline", reasons="No"
    ),
    "budgets.budget_ballot_cast": lambda w: budgets_services.budget_ballot_cast(
        actor=w.member, budget=BudgetRound(community=w.community), approve=[1]
    ),
    "budgets.project_propose": lambda w: budgets_services.project_propose(
        actor=w.member,
        budget=BudgetRound(community=w.community),
        title="A bench",
        body="By the river",
        cost_minutes=60,
    ),
}


def _image(w):
    from coproduce.exchanges.models import ListingImage

    return ListingImage(pk=1, listing=w.listing)


@pytest.mark.parametrize("name", sorted(MEMBER_WALK))
def test_a_suspended_member_is_refused_with_the_one_error(world, name):
    with pytest.raises(PermissionDenied) as refused:
        MEMBER_WALK[name](world)
    assert refused.value.code == "suspended"
    assert "is suspended until" in refused.value.message
    assert "message a coordinator and appeal" in refused.value.message


# Coordinating services check `access_coordinate` (or `access_manage_rules`), which refuses a
# suspended coordinator with the same error: a sample is walked here. Services without a check of
# their own are coordinator-only through their faces, which ask `access_coordinate`.
COORDINATING = {
    "acting_for_start", "application_request", "application_approve", "application_decline",
    "rulebook_change", "membership_add", "role_set", "neighbourhood_add", "neighbourhood_update",
    "application_note_add", "person_note_add", "reference_request", "sign_in_link_issue",
    "welcome_send", "sign_in_code_issue", "password_set_first", "check_record", "agency_create",
    "agency_archive", "agency_fund", "partner_create", "partner_update", "partner_archive",
    "referral_update_status", "exchange_resolve", "exchange_reverse", "exchange_enter",
    "fund_grant", "category_add", "concern_close", "introduction_make", "message_passed_on",
    "report_handle", "sanction_create", "sanction_lift", "community_found", "community_create",
    "appeal_decide", "contact_relay_passed_on", "round_create", "project_check", "budget_close",
    "budget_pay", "commitment_add", "decision_outcome_record", "dispute_mediator_assign",
    "dispute_decide", "disputed_exchange_resolve", "exchange_settle",
}  # fmt: skip
# Agency staff work checks `access_staff_work`, which refuses a suspended member the same way.
STAFF_WORK = {
    "agency_update", "staff_add", "staff_remove", "role_create", "role_update", "role_publish",
    "role_archive", "training_record", "assessment_create", "offer_create", "offer_update",
    "offer_deactivate", "referral_create", "register_save", "register_confirm", "session_create",
    "series_create", "session_update", "session_cancel",
}  # fmt: skip
# Left open to a suspended member, each for a reason a member would accept.
LEFT_OPEN = {
    "privacy_update": "one's own privacy settings",
    "consent_give": "one's own consent",
    "consent_withdraw": "withdrawing consent is always possible",
    "sensitive_set": "one's own sensitive details",
    "person_details_update": "one's own contact details",
    "gift_profile_update": "one's own gift profile",
    "token_create": "an API token reads as the member can",
    "token_revoke": "revoking a token only takes access away",
    "member_block": "safety: blocking someone",
    "member_unblock": "undoing one's own block",
    "message_report": "safety: reporting a message to the coordinators",
    "member_offboard": "leaving is always possible",
    "signup_cancel": "cancelling frees a place for someone else",
    "acting_for_stop": "stopping acting for someone",
    "preference_set": "one's own notification settings",
    "appeal_make": "appealing is what a suspension leaves open",
    "application_submit": "applying is not done as a member",
    "membership_suspend": "what a sanction calls",
    "membership_reinstate": "what a sanction's end calls",
    "post_transfer": "the ledger's own: its callers check first",
    "transfer_create": "the ledger's own: its callers check first",
    "transfer_reverse": "the ledger's own: its callers check first",
    "reservation_create": "the ledger's own: its callers check first",
    "reservation_post": "the ledger's own: its callers check first",
    "reservation_void": "the ledger's own: its callers check first",
    "account_close": "the ledger's own: its callers check first",
    "member_account_close": "the ledger's leaving hook",
    "dispute_open": "a complaint moves no hours; a dispute about one's sanction is like an appeal",
    "dispute_note_add": "a party speaks in their own dispute's mediation",
    "dispute_agree": "a party's dispute is settled even while they are suspended",
    "dispute_escalate": "a party may take their dispute to the panel",
    "exchange_dispute_mark": "what answers.exchange_dispute and dispute_open call: they check",
}


def _services_taking_an_actor() -> set[str]:
    names = set()
    for app in APPS:
        for path in sorted((ROOT / app / "services").glob("*.py")):
            for node in ast.parse(path.read_text()).body:
                if (
                    isinstance(node, ast.FunctionDef)
                    and not node.name.startswith("_")
                    and any(arg.arg == "actor" for arg in node.args.kwonlyargs)
                ):
                    names.add(node.name)
    return names


def test_every_service_is_walked_or_left_open_with_a_reason():
    walked = {name.split(".")[1] for name in MEMBER_WALK}
    listed = walked | COORDINATING | STAFF_WORK | set(LEFT_OPEN)
    found = _services_taking_an_actor()
    assert sorted(found - listed) == [], "walk the new service or say why it is left open"
    assert sorted(listed - found) == []
    assert not walked & set(LEFT_OPEN)


def test_a_suspended_coordinator_is_refused_with_the_one_error(community, coordinator, member):
    second = make_person("second@riverside.example", "Second Coordinator", mfa_exempt=True)
    memberships_services.membership_add(
        actor=None, community=community, person=second, roles=[Role.COORDINATOR]
    )
    suspend(community, second, coordinator)
    person = fresh(coordinator)
    calls = [
        lambda: neighbourhoods_services.neighbourhood_add(
            actor=person, community=community, name="Docks", lat=51.5, lng=-0.1
        ),
        lambda: listings_services.category_add(
            actor=person, community=community, group="Home", name="Sewing"
        ),
        lambda: sanctions_services.sanction_create(
            actor=person,
            community=community,
            member=Membership.objects.get(person=member, community=community).number,
            step="reminder",
            rule_broken="x",
            reason="y",
        ),
        lambda: access.access_manage_rules(person, community),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.code == "suspended"


def test_suspended_agency_staff_do_no_staff_work(world, community, coordinator):
    suspend(community, coordinator, world.staff)
    with pytest.raises(PermissionDenied) as refused:
        sessions_services.session_create(
            actor=fresh(world.staff),
            role=world.session.role,
            place="Room",
            starts_at=timezone.now() + dt.timedelta(days=2),
            ends_at=timezone.now() + dt.timedelta(days=2, hours=1),
            capacity=2,
        )
    assert refused.value.code == "suspended"


def test_a_suspended_member_reads_messages_a_coordinator_and_appeals(world):
    from coproduce.governance.selectors import sanctions as sanctions_selectors

    person = world.member
    assert access.access_community(person, world.community).status == MembershipStatus.SUSPENDED
    conversation = conversations_services.conversation_start(
        actor=person, community=world.community, recipient=world.coordinator, body="Can we talk?"
    )
    conversations_services.message_send(actor=person, conversation=conversation, body="Please.")
    (made,) = sanctions_selectors.sanctions_of(world.community, person)
    sanctions_services.appeal_make(actor=person, sanction=made, grounds="I was provoked.")


def test_others_are_not_refused_for_being_near_a_suspended_member(world):
    """The refusal is about the suspended member's own acts: the friend still writes to them."""
    conversations_services.message_send(
        actor=fresh(world.friend), conversation=world.conversation, body="Thinking of you."
    )
