"""Post/Redirect/Get: every web page that takes a POST answers a successful one with a redirect,
so refreshing the page it lands on never sends the form again.

Each POST view of coproduce/web/views is walked here with data it accepts; a new POST view
fails `test_it_walks_every_post_view` until it has a case below."""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, reverse

from coproduce.communities.models import Role
from coproduce.communities.selectors.rules import default_rules
from coproduce.communities.services import acting_for as acting_for_services
from coproduce.communities.services import applications as applications_services
from coproduce.communities.services import contact_relay as contact_relay_services
from coproduce.communities.services import memberships as memberships_services
from coproduce.communities.services import neighbourhoods as neighbourhoods_services
from coproduce.communities.services import privacy as privacy_services
from coproduce.communities.services import references as references_services
from coproduce.communities.services import tokens as tokens_services
from coproduce.coproduction.models import AgencyMembership, AgencyRole
from coproduce.coproduction.selectors import assessments as assessments_selectors
from coproduce.coproduction.services import agencies, referrals, sessions
from coproduce.exchanges.models import Category
from coproduce.exchanges.services import answers as answers_services
from coproduce.exchanges.services import fund as fund_services
from coproduce.exchanges.services import images
from coproduce.exchanges.services import listings as listings_services
from coproduce.exchanges.services import references as exchanges_references_services
from coproduce.messaging.services import conversations as conversations_services
from coproduce.messaging.services import reports as reports_services
from coproduce.notifications.services import notifications as notifications_services
from coproduce.web import urls as web_urls
from tests.conftest import make_person
from tests.coproduction.conftest import role, session  # noqa: F401 - fixtures
from tests.coproduction.partner_helpers import give_credit, leisure_centre, swim
from tests.coproduction.test_register import book, fund_agency, held_yesterday

from ..exchanges.images import picture
from .conftest import code_of, confirmed, recorded, submit_application, supported_application

VIEWS = Path(__file__).resolve().parents[2] / "coproduce" / "web" / "views"


def post_views() -> set[tuple[str, str]]:
    """(module, function) of every view that accepts POST, read from its decorators."""
    found = set()
    for path in VIEWS.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef):
                decorators = [ast.unparse(d) for d in node.decorator_list]
                if any(
                    d == "require_POST" or (d.startswith("require_http_methods") and "POST" in d)
                    for d in decorators
                ):
                    found.add((path.stem, node.name))
    return found


def post_url_names() -> set[str]:
    views = post_views()
    names = set()
    for pattern in web_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        callback = pattern.callback
        while hasattr(callback, "__wrapped__"):
            callback = callback.__wrapped__
        if (callback.__module__.rsplit(".", 1)[-1], callback.__name__) in views:
            names.add(pattern.name)
    return names


class World:
    """The people and things a case needs, built with the real services on first use."""

    def __init__(self, request):
        self.request = request
        self.community = request.getfixturevalue("community")
        self.slug = self.community.slug
        self.coordinator = request.getfixturevalue("coordinator")
        self.member = request.getfixturevalue("member")
        self.staff = request.getfixturevalue("agency_staff")

    def fixture(self, name):
        return self.request.getfixturevalue(name)

    def url(self, name, *args):
        return reverse(f"web:{name}", args=[self.slug, *args])

    def number(self, person) -> int:
        return person.memberships.get(community=self.community).number

    def application(self):
        return submit_application(self.community)

    def listing(self, owner=None):
        return listings_services.listing_create(
            actor=owner or self.member,
            community=self.community,
            kind="request",
            title="Help with a new phone",
            category="gardening",
        )

    def offline(self):
        person = make_person(None, "Ode Offline", phone="01632 960001", is_offline=True)
        memberships_services.membership_add(actor=None, community=self.community, person=person)
        return person

    def partner(self):
        return leisure_centre(self.coordinator, self.community)


Case = Callable[[World], tuple]


def _token_create(w):
    return (
        w.member,
        reverse("web:token_create"),
        {"token-name": "Spreadsheet", "token-community": ""},
    )


def _token_revoke(w):
    token, _secret = tokens_services.token_create(actor=w.member, person=w.member, name="Old")
    return w.member, reverse("web:token_revoke", args=[token.pk]), {}


def _reference_answer(w):
    _reference, token = references_services.reference_request(
        actor=w.coordinator,
        application=w.application(),
        referee_name="Rita Referee",
        referee_email="rita@example.org",
    )
    return (
        None,
        reverse("web:reference_answer", args=[token]),
        {"outcome": "supports", "answer": "A kind neighbour."},
    )


def _apply_confirm(w):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        applications_services.application_request(
            actor=None, community=w.community, full_name="Pat", email="pat@example.org"
        )
    token = re.search(r"/applications/confirm/([^/\s]+)/", mail.outbox[-1].body).group(1)
    return None, reverse("web:apply_confirm", args=[token]), {}


def _notifications_read(w):
    notifications_services.notify(
        person=w.member, kind="message", community=w.community, title="Hello", body="", url="/"
    )
    return w.member, reverse("web:notifications_read"), {"all": "1"}


def _conversation_detail(w):
    conversation = conversations_services.conversation_start(
        actor=w.staff, community=w.community, recipient=w.member, body="Hello"
    )
    return w.member, w.url("conversation_detail", conversation.pk), {"body": "Hello back"}


def _message_report(w):
    conversation = conversations_services.conversation_start(
        actor=w.staff, community=w.community, recipient=w.member, body="Unkind words"
    )
    return w.member, w.url("message_report", conversation.messages.get().pk), {"reason": "Unkind"}


def _member_block(w):
    conversation = conversations_services.conversation_start(
        actor=w.staff, community=w.community, recipient=w.member, body="Hello"
    )
    return (
        w.member,
        w.url("member_block", w.number(w.staff)),
        {"conversation": str(conversation.pk)},
    )


def _report_handled(w):
    conversation = conversations_services.conversation_start(
        actor=w.staff, community=w.community, recipient=w.member, body="Unkind words"
    )
    report = reports_services.message_report(
        actor=w.member, message=conversation.messages.get(), reason="Unkind"
    )
    return w.coordinator, w.url("report_handled", report.pk), {"note": "Spoke to them"}


def _relay_passed_on(w):
    relay = contact_relay_services.contact_relay_send(
        actor=w.member,
        community=w.community,
        recipient=w.staff.memberships.get(),
        message="Please ring me",
    )
    return w.coordinator, w.url("relay_passed_on", relay.pk), {}


def _message_passed_on(w):
    offline = w.offline()
    conversation = conversations_services.conversation_start(
        actor=w.member, community=w.community, recipient=offline, body="Fancy a walk?"
    )
    message = conversation.messages.get()
    return w.coordinator, w.url("message_passed_on", message.pk), {f"m{message.pk}-how": "by phone"}


def _concern_close(w):
    exchange = confirmed(w.community, w.member, w.member, w.staff)
    concern = exchanges_references_services.reference_leave(
        actor=w.member, exchange=exchange, subject=w.staff, kind="concern", text="Late and rude."
    )
    return (
        w.coordinator,
        w.url("concern_close", concern.pk),
        {f"c{concern.pk}-outcome": "Spoke to both."},
    )


def _introduction_new(w):
    return (
        w.coordinator,
        w.url("introduction_new"),
        {
            "first": code_of(w.member, w.community),
            "second": code_of(w.staff, w.community),
            "note": "Meet each other",
        },
    )


def _application_post(name: str, data: dict, supported: bool = False) -> Case:
    def case(w):
        application = (
            supported_application(w.community, w.coordinator, email="ada@example.org")
            if supported
            else w.application()
        )
        return w.coordinator, w.url(name, application.pk), data

    return case


def _exchange_waiting(w):
    return recorded(w.community, w.staff, w.staff, w.member)


def _disputed(w):
    exchange = recorded(w.community, w.member, w.member, w.staff)
    return answers_services.exchange_dispute(actor=w.staff, exchange=exchange, reason="Too long")


def _exchange_record(w):
    return (
        w.member,
        w.url("exchange_record"),
        {
            "idempotency_key": "walk-record",
            "person_1": code_of(w.staff, w.community),
            "direction": "gave",
            "time_hours": "1",
            "time_minutes": "30",
            "effective_on": dt.date.today().isoformat(),
            "title": "Weeding",
            "category": "Gardening",
        },
    )


def _entry(name: str, slip: bool) -> Case:
    def case(w):
        data = {
            "idempotency_key": f"walk-{name}",
            "giver": code_of(w.member, w.community),
            "receiver": code_of(w.staff, w.community),
            "time_hours": "1",
            "time_minutes": "0",
            "effective_on": dt.date.today().isoformat(),
            "title": "Lift",
            "category": "Gardening",
        }
        if slip:
            data["slip_number"] = "S-1"
        return w.coordinator, w.url(name), data

    return case


def _listing_image_remove(w):
    listing = w.listing()
    image = images.listing_image_add(
        actor=w.member,
        listing=listing,
        upload=SimpleUploadedFile("a.jpg", picture(), content_type="image/jpeg"),
    )
    return w.member, w.url("listing_image_remove", listing.pk, image.pk), {}


def _listing_data(w):
    return {
        "kind": "request",
        "title": "Help with a new phone",
        "description": "Setting up email.",
        "category": str(Category.objects.get(community=None, slug="gardening").pk),
        "tags": "email",
        "expires_on": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "mode": "in_person",
        "visibility": "community",
    }


def _neighbourhood_edit(w):
    place = neighbourhoods_services.neighbourhood_add(
        actor=w.coordinator, community=w.community, name="Docks", lat=51.5, lng=-0.1
    )
    return (
        w.coordinator,
        w.url("neighbourhood_edit", place.pk),
        {"name": "Old Docks", "lat": "51.5", "lng": "-0.1"},
    )


def _rules(w):
    data = {
        "credit_floor_minutes": "-600",
        "credit_ceiling_minutes": "",
        "auto_confirm_days": "10",
        "max_minutes_per_exchange": "480",
        "replacement_hourly_rate_pence": "1200",
        "group_exchange_payer": "split",
        "references_required": "1",
        "vetting_group_activity": "0",
        "vetting_one_to_one": "1",
        "vetting_home_visit": "2",
        "broker_unanswered_days": "7",
        "credits_per_hour_percent": "100",
        "session_credits_from": "agency",
        "partner_credits_go": "keep",
        "reason": "Agreed at the meeting.",
    }
    data.update({k: str(v) for k, v in default_rules().items() if k not in data})
    return w.coordinator, w.url("rulebook"), data


def _agency(w):
    w.fixture("agency_admin")
    return w.fixture("agency")


def _role_data(**kw):
    return {
        "title": "Reading buddy",
        "description": "Read with a child.",
        "commitment": "1 hour a week",
        "vetting_level": "0",
        "training": "",
        "min_age": "",
        "max_age": "",
        "staff_lead": "",
        **kw,
    }


def _agency_staff_remove(w):
    place = _agency(w)
    AgencyMembership.objects.create(agency=place, person=w.member, role=AgencyRole.STAFF)
    return w.coordinator, w.url("agency_staff_remove", place.slug, w.number(w.member)), {}


def _draft_role(w):
    return agencies.role_create(
        actor=w.coordinator,
        agency=_agency(w),
        title="Reading buddy",
        description="Read with a child.",
        commitment="1 hour a week",
    )


def _session_form():
    day = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    return {"day": day, "start": "10:00", "end": "12:00", "place": "Room 2", "capacity": "4"}


def _register(w, action: str):
    held = held_yesterday(w.fixture("session"))
    fund_agency(held.agency, 600)
    book(held, w.member)
    data = {f"came_{w.member.pk}": "yes", f"minutes_{w.member.pk}": "120", "action": action}
    return w.staff, w.url("session_register", held.pk), data


def _register_confirm(w):
    from django.test import Client

    staff, url, data = _register(w, "confirm")
    helper = Client()
    helper.force_login(staff)
    assert helper.post(url, data).status_code == 302
    page = helper.get(w.url("session_register_confirm", w.fixture("session").pk))
    key = page.context["form"]["idempotency_key"].value()
    return (
        staff,
        w.url("session_register_confirm", w.fixture("session").pk),
        {"idempotency_key": key},
    )


def _referral(w):
    return referrals.referral_create(
        actor=w.staff,
        agency=_agency(w),
        target="community",
        full_name="Pat Patient",
        phone="07700 900123",
        email="pat@example.org",
        what_matters="Lonely",
        consent_given=True,
        consent_note="Agreed in clinic",
    )


def _assessment_answers():
    data = {"completed_on": "2026-03-01", "note": "First go"}
    for principle, level in assessments_selectors.PAIRS:
        data[f"score_{principle}_{level}"] = "2"
        data[f"evidence_{principle}_{level}"] = ""
    return data


def _redeem(w):
    partner = w.partner()
    offer = swim(w.coordinator, partner)
    give_credit(w.community, w.member, 120)
    return (
        w.coordinator,
        w.url("partner_redeem", partner.pk),
        {
            "idempotency_key": "door-walk",
            "member_ref": code_of(w.member, w.community),
            "offer": str(offer.pk),
            "adults": "1",
            "children": "0",
        },
    )


def _member_first_password(w):
    offline = w.offline()
    offline.set_unusable_password()  # a first password, for someone who has none yet
    offline.save()
    number = w.number(offline)
    password = "a-long-Passphrase-42"
    return (
        w.coordinator,
        w.url("member_first_password", number),
        {"first_password-password1": password, "first_password-password2": password},
    )


def _sign_in_code(w):
    from coproduce.communities.services import sign_in

    offline = w.offline()
    membership = offline.memberships.get(community=w.community)
    _token, letter_code = sign_in.sign_in_code_issue(
        actor=w.coordinator, community=w.community, membership=membership
    )
    return (
        None,
        reverse("web:sign_in_code"),
        {"member_number": membership.member_code, "code": letter_code},
    )


def _choose_password(w):
    from coproduce.communities.services import sign_in

    newcomer = make_person("newcomer@example.org", "Nia Newcomer")
    newcomer.set_unusable_password()
    newcomer.save()
    memberships_services.membership_add(actor=None, community=w.community, person=newcomer)
    _token, link = sign_in.sign_in_link_issue(
        actor=w.coordinator, person=newcomer, community=w.community
    )
    w.fixture("client").get(link)  # the link puts the token in this browser's session
    password = "a-long-Passphrase-42"
    return None, reverse("web:choose_password"), {"password1": password, "password2": password}


def _community_create(w):
    return (
        w.fixture("operator"),
        reverse("web:community_create"),
        {
            "name": "Hillside",
            "slug": "hillside",
            "member_prefix": "HIL",
            "area_description": "Up the hill.",
            "coordinator_email": "",
            "coordinator_name": "",
        },
    )


# Proposals (issue 12) ----------------------------------------------------------------------------


def _proposal(w, *, cosigners=1):
    """A general proposal by the member, in deliberation unless co-signers are still needed."""
    from coproduce.governance.services import proposals as proposals_services

    _may_propose(w, cosigners=cosigners)
    return proposals_services.proposal_draft(
        actor=w.member, community=w.community, kind="general", title="A bench", body="By the river."
    )


def _may_propose(w, *, cosigners=1):
    import datetime as dt

    from django.utils import timezone

    from coproduce.communities.models import Membership
    from coproduce.communities.services import communities as communities_services

    communities_services.rulebook_change(
        actor=None,
        community=w.community,
        changes={"proposal_member_days": 0, "proposal_cosigners": cosigners},
        reason="Proposals for the tests",
    )
    Membership.objects.filter(community=w.community).update(
        joined_at=timezone.now() - dt.timedelta(days=1)
    )


def _proposal_new(w):
    _may_propose(w)
    data = {"kind": "general", "title": "A bench by the river", "body": "Somewhere to sit."}
    return w.member, w.url("proposal_new"), data


def _proposal_cosign(w):
    proposal = _proposal(w)
    return w.staff, w.url("proposal_cosign", proposal.number), {}


def _proposal_comment(w):
    proposal = _proposal(w, cosigners=0)
    return w.staff, w.url("proposal_comment", proposal.number), {"body": "A good idea."}


def _amendment_accept(w):
    from coproduce.governance.services import proposals as proposals_services

    proposal = _proposal(w, cosigners=0)
    comment = proposals_services.proposal_comment(
        actor=w.staff, proposal=proposal, body="Shorter.", amendment={"title": "A bench"}
    )
    return w.member, w.url("amendment_accept", proposal.number, comment.pk), {}


def _proposal_vote(w):
    from tests.governance.test_proposals import start_voting

    proposal = _proposal(w, cosigners=0)
    start_voting(proposal)
    return w.staff, w.url("proposal_vote", proposal.number), {"choice": "yes"}


# Sanctions (issue 12) ----------------------------------------------------------------------------
def _sanction(w, step="reminder"):
    from coproduce.communities.services import communities as communities_services
    from coproduce.governance.services import sanctions as sanctions_services

    if step != "reminder":
        communities_services.rulebook_change(
            actor=None,
            community=w.community,
            changes={"sanction_steps_in_order": "no"},
            reason="Any step for the tests",
        )
    return sanctions_services.sanction_create(
        actor=w.coordinator,
        community=w.community,
        member=w.number(w.member),
        step=step,
        rule_broken="Turn up when you said you would",
        reason="Missed three sessions.",
    )


def _sanction_outcome(w):
    from coproduce.governance.services import sanctions as sanctions_services

    made = _sanction(w)
    sanctions_services.appeal_make(actor=w.member, sanction=made, grounds="I was ill.")
    steward = make_person("steward@riverside.example", "Sam Steward")
    memberships_services.membership_add(
        actor=None, community=w.community, person=steward, roles=[Role.STEWARD]
    )
    return steward, w.url("sanction_outcome", made.number), {"outcome": "upheld", "reason": "Fair."}


def _adopted(w, **kw):
    """A proposal by the member, adopted (three yes votes)."""
    from coproduce.governance.services import ballots as ballots_services
    from coproduce.governance.services import proposals as proposals_services
    from tests.governance.test_proposals import end_voting, start_voting

    _may_propose(w, cosigners=0)
    kw.setdefault("kind", "general")
    proposal = proposals_services.proposal_draft(
        actor=w.member, community=w.community, title="A bench", body="By the river.", **kw
    )
    start_voting(proposal)
    for voter in (w.member, w.staff, w.coordinator):
        ballots_services.ballot_cast(actor=voter, proposal=proposal, choice="yes")
    end_voting(proposal)
    return proposal


def _receipt_check(w):
    from coproduce.governance.services import ballots as ballots_services
    from coproduce.governance.services import proposals as proposals_services
    from tests.governance.test_proposals import end_voting, start_voting

    _may_propose(w, cosigners=0)
    proposal = proposals_services.proposal_draft(
        actor=w.member, community=w.community, kind="general", title="A bench", body="Here."
    )
    start_voting(proposal)
    cast = ballots_services.ballot_cast(actor=w.member, proposal=proposal, choice="yes")
    end_voting(proposal)
    return w.member, w.url("receipt_check", proposal.number), {"receipt": cast.receipt}


def _commitment_add(w):
    proposal = _adopted(w)
    data = {"what": "Order the bench", "owner_kind": "group", "owner_name": "Friends of the River"}
    data["due_on"] = "2099-01-01"
    return w.coordinator, w.url("commitment_add", proposal.number), data


def _commitment_note(w):
    from coproduce.governance.services import follow_up as follow_up_services

    proposal = _adopted(w)
    commitment = follow_up_services.commitment_add(
        actor=w.coordinator,
        proposal=proposal,
        what="Order the bench",
        owner_kind="member",
        owner_member=w.member.pk,
        due_on="2099-01-01",
    )
    url = w.url("commitment_note", proposal.number, commitment.pk)
    return w.member, url, {"body": "Ordered."}


def _decision_outcome(w):
    proposal = _adopted(w)
    return w.coordinator, w.url("decision_outcome", proposal.number), {"outcome": "Done."}


def _decision_review(w):
    from django.utils import timezone

    from coproduce.governance.models import Proposal

    proposal = _adopted(w)
    Proposal.objects.filter(pk=proposal.pk).update(review_on=timezone.localdate())
    return w.member, w.url("decision_review", proposal.number), {"verdict": "yes"}


def _ask_answer(w):
    agency = w.fixture("agency")
    admin = w.fixture("agency_admin")
    proposal = _adopted(w, kind="ask", agency=agency.pk)
    data = {"answer": "decline", "reasons": "Not this year.", "commitments": ""}
    return admin, w.url("ask_answer", proposal.number), data


# Budget rounds (issue 12) ------------------------------------------------------------------------


def _budget_round(w, *, voting=False, counted=False):
    """Round B-1 with the member's project 1, checked; in voting, or counted with it funded."""
    from coproduce.governance.services import budgets as budgets_services
    from tests.governance.test_budgets import end_voting, fill_fund, open_round, propose
    from tests.governance.test_budgets import start_voting as start_budget_voting

    _may_propose(w)
    fill_fund(w.community, 600)
    budget = open_round(w.community, w.coordinator, budget=600)
    project = propose(budget, w.member, 120)
    budgets_services.project_check(actor=w.coordinator, project=project, eligible=True)
    if voting or counted:
        start_budget_voting(budget)
    if counted:
        budgets_services.budget_ballot_cast(actor=w.member, budget=budget, approve=[1])
        end_voting(budget)
    return budget


def _budget_new(w):
    from tests.governance.test_budgets import fill_fund
    from tests.web.test_budgets import round_data

    fill_fund(w.community, 600)
    return w.coordinator, w.url("budget_new"), round_data(w.community)


def _budget_propose(w):
    _budget_round(w)
    data = {"title": "A mural", "body": "Colour for the wall.", "cost_hours": "2"}
    return w.member, w.url("budget_propose", 1), data


def _budget_vote(w):
    _budget_round(w, voting=True)
    return w.member, w.url("budget_vote", 1), {"approve": ["1"], "idempotency_key": "walk-vote"}


def _budget_close(w):
    import datetime as dt

    from django.utils import timezone

    from coproduce.governance.models import BudgetRound

    budget = _budget_round(w, voting=True)
    BudgetRound.objects.filter(pk=budget.pk).update(
        voting_closes_at=timezone.now() - dt.timedelta(seconds=1)
    )
    return w.coordinator, w.url("budget_close", 1), {}


# Disputes (issue 12) -----------------------------------------------------------------------------


def _dispute(w, *, stage="mediation"):
    """D-1 about an exchange the member recorded and the staff member disputed; in mediation
    (the mediator returned beside it) or escalated."""
    from coproduce.governance.services import disputes as disputes_services

    exchange = recorded(w.community, w.member, w.member, w.staff)
    dispute = disputes_services.dispute_open(
        actor=w.staff, community=w.community, subject="exchange", exchange=exchange, summary="No"
    )
    mediator = make_person("mediator@riverside.example", "Meda Mediator")
    memberships_services.membership_add(
        actor=None, community=w.community, person=mediator, roles=[Role.MEDIATOR]
    )
    if stage == "open":
        return dispute, mediator
    dispute = disputes_services.dispute_mediator_assign(
        actor=w.coordinator, dispute=dispute, mediator=mediator
    )
    if stage == "escalated":
        dispute = disputes_services.dispute_escalate(actor=mediator, dispute=dispute, reason="No")
    return dispute, mediator


def _dispute_mediator(w):
    dispute, mediator = _dispute(w, stage="open")
    return w.coordinator, w.url("dispute_mediator", dispute.number), {"mediator": mediator.pk}


def _dispute_note(w):
    dispute, _mediator = _dispute(w)
    return w.member, w.url("dispute_note", dispute.number), {"body": "We met."}


def _dispute_agree(w):
    dispute, mediator = _dispute(w)
    data = {"outcome": "confirm", "text": "Agreed."}
    return mediator, w.url("dispute_agree", dispute.number), data


def _dispute_escalate(w):
    dispute, mediator = _dispute(w)
    return mediator, w.url("dispute_escalate", dispute.number), {"reason": "Stuck"}


def _dispute_decide(w):
    dispute, _mediator = _dispute(w, stage="escalated")
    data = {"outcome": "cancel", "text": "Cancelled."}
    return w.coordinator, w.url("dispute_decide", dispute.number), data


def _dispute_open_decision(w):
    proposal = _proposal(w, cosigners=0)
    data = {"summary": "Unfair."}
    return w.staff, w.url("dispute_open_decision", proposal.number), data


CASES: dict[str, Case] = {
    # Anyone
    "apply": lambda w: (
        None,
        w.url("apply"),
        {"full_name": "Pat", "email": "pat@example.org", "contact_preference": "email"},
    ),
    "apply_confirm": _apply_confirm,
    "reference_answer": _reference_answer,
    # The signed-in person
    "profile_details": lambda w: (
        w.member,
        reverse("web:profile_details"),
        {"full_name": "Mo Member", "email": w.member.email},
    ),
    "profile_gifts": lambda w: (w.member, reverse("web:profile_gifts"), {"hands": "Gardening"}),
    "profile_privacy": lambda w: (
        w.member,
        reverse("web:profile_privacy"),
        {
            "email": "members",
            "phone": "coordinators",
            "address": "coordinators",
            "photo": "public",
            "date_of_birth": "coordinators",
        },
    ),
    "profile_consent": lambda w: (
        w.member,
        reverse("web:profile_consent", args=["health"]),
        {"action": "give"},
    ),
    "profile_sensitive": lambda w: (
        privacy_services.consent_give(actor=w.member, person=w.member, topic="health") and w.member,
        reverse("web:profile_sensitive", args=["health"]),
        {"health-value": "Diabetes"},
    ),
    "token_create": _token_create,
    "token_revoke": _token_revoke,
    "leave": lambda w: (w.member, reverse("web:leave", args=[w.slug]), {"reason": "Moving away."}),
    "notifications_read": _notifications_read,
    "notification_preferences": lambda w: (
        w.member,
        reverse("web:notification_preferences"),
        {"notify-email_mode": "digest"},
    ),
    "acting_stop": lambda w: (
        acting_for_services.acting_for_start(
            actor=w.coordinator, membership=w.member.memberships.get()
        )
        or w.coordinator,
        reverse("web:acting_stop"),
        {},
    ),
    # Members
    "rulebook": _rules,
    "proposal_new": _proposal_new,
    "proposal_cosign": _proposal_cosign,
    "proposal_comment": _proposal_comment,
    "amendment_accept": _amendment_accept,
    "proposal_vote": _proposal_vote,
    "commitment_add": _commitment_add,
    "commitment_note": _commitment_note,
    "decision_outcome": _decision_outcome,
    "decision_review": _decision_review,
    "ask_answer": _ask_answer,
    "receipt_check": _receipt_check,
    "dispute_mediator": _dispute_mediator,
    "dispute_note": _dispute_note,
    "dispute_agree": _dispute_agree,
    "dispute_escalate": _dispute_escalate,
    "dispute_decide": _dispute_decide,
    "dispute_open_decision": _dispute_open_decision,
    "budget_new": _budget_new,
    "budget_propose": _budget_propose,
    "budget_check": lambda w: (
        _budget_round(w) and w.coordinator,
        w.url("budget_check", 1, 1),
        {"eligible": "no", "reason": "The council pays for it."},
    ),
    "budget_vote": _budget_vote,
    "budget_close": _budget_close,
    "budget_pay": lambda w: (
        _budget_round(w, counted=True) and w.coordinator,
        w.url("budget_pay", 1),
        {},
    ),
    "proposal_withdraw": lambda w: (
        w.member,
        w.url("proposal_withdraw", _proposal(w, cosigners=0).number),
        {},
    ),
    "exchange_record": _exchange_record,
    "exchange_confirm": lambda w: (
        w.member,
        w.url("exchange_confirm", _exchange_waiting(w).pk),
        {},
    ),
    "exchange_decline": lambda w: (
        w.member,
        w.url("exchange_decline", (e := _exchange_waiting(w)).pk),
        {f"decline-{e.pk}-reason": "One hour"},
    ),
    "exchange_dispute": lambda w: (
        w.member,
        w.url("exchange_dispute", (e := _exchange_waiting(w)).pk),
        {f"dispute-{e.pk}-reason": "Never"},
    ),
    "exchange_reference": lambda w: (
        w.member,
        w.url("exchange_reference", confirmed(w.community, w.member, w.member, w.staff).pk),
        {
            "reference-subject": str(w.staff.pk),
            "reference-kind": "positive",
            "reference-text": "Kind and on time.",
        },
    ),
    "listing_create": lambda w: (w.member, w.url("listing_create"), _listing_data(w)),
    "listing_edit": lambda w: (w.member, w.url("listing_edit", w.listing().pk), _listing_data(w)),
    "listing_close": lambda w: (
        w.member,
        w.url("listing_close", w.listing().pk),
        {"reason": "Found help"},
    ),
    "listing_renew": lambda w: (w.member, w.url("listing_renew", w.listing().pk), {}),
    "listing_image_add": lambda w: (
        w.member,
        w.url("listing_image_add", w.listing().pk),
        {
            "image": SimpleUploadedFile("a.jpg", picture(), content_type="image/jpeg"),
            "alt_text": "A phone",
        },
    ),
    "listing_image_remove": _listing_image_remove,
    "conversation_new": lambda w: (
        w.member,
        w.url("conversation_new", w.number(w.staff)),
        {"body": "Hello"},
    ),
    "conversation_detail": _conversation_detail,
    "message_report": _message_report,
    "member_block": _member_block,
    "fund_donate": lambda w: (
        give_credit(w.community, w.member, 120) or w.member,
        w.url("fund_donate"),
        {
            "donate-idempotency_key": "walk-donate",
            "donate-time_hours": "1",
            "donate-time_minutes": "0",
            "donate-note": "For the fund",
        },
    ),
    "session_signup": lambda w: (w.member, w.url("session_signup", w.fixture("session").pk), {}),
    "signup_cancel": lambda w: (
        w.member,
        w.url(
            "signup_cancel",
            (s := w.fixture("session")).pk,
            sessions.signup_create(actor=w.member, session=s).pk,
        ),
        {},
    ),
    # Coordinators
    "member_check": lambda w: (
        w.coordinator,
        w.url("member_check", w.number(w.member)),
        {
            "check-kind": "id_seen",
            "check-result": "passed",
            "check-checked_on": dt.date.today().isoformat(),
        },
    ),
    "member_note": lambda w: (
        w.coordinator,
        w.url("member_note", w.number(w.member)),
        {"note-text": "Lovely."},
    ),
    "member_role": lambda w: (
        w.coordinator,
        w.url("member_role", w.number(w.member)),
        {"role": Role.STEWARD, "granted": "1"},
    ),
    "acting_start": lambda w: (w.coordinator, w.url("acting_start", w.number(w.member)), {}),
    "member_offboard": lambda w: (
        w.coordinator,
        w.url("member_offboard", w.number(w.member)),
        {"reason": "Moved to Leeds."},
    ),
    "fund_grant": lambda w: (
        give_credit(w.community, w.member, 120)
        or fund_services.fund_donate(
            actor=w.member,
            community=w.community,
            person=w.member,
            idempotency_key="seed-fund",
            minutes=120,
        )
        and w.coordinator,
        w.url("fund_grant"),
        {
            "grant-idempotency_key": "walk-grant",
            "grant-member": code_of(w.staff, w.community),
            "grant-time_hours": "1",
            "grant-time_minutes": "0",
            "grant-reason": "Thanks",
        },
    ),
    "exchange_broker": _entry("exchange_broker", slip=False),
    "exchange_slip": _entry("exchange_slip", slip=True),
    "exchange_settle": lambda w: (
        w.coordinator,
        w.url("exchange_settle", (e := _disputed(w)).pk),
        {f"settle-{e.pk}-note": "Talked to both", f"settle-{e.pk}-outcome": "confirm"},
    ),
    "exchange_reverse": lambda w: (
        w.coordinator,
        w.url("exchange_reverse", (e := confirmed(w.community, w.member, w.member, w.staff)).pk),
        {f"reverse-{e.pk}-reason": "Recorded twice"},
    ),
    "concern_close": _concern_close,
    "introduction_new": _introduction_new,
    "message_passed_on": _message_passed_on,
    "relay_passed_on": _relay_passed_on,
    "report_handled": _report_handled,
    "category_add": lambda w: (
        w.coordinator,
        w.url("category_add"),
        {"group": "home", "name": "Knitting"},
    ),
    "neighbourhoods": lambda w: (
        w.coordinator,
        w.url("neighbourhoods"),
        {"name": "Millbrook", "lat": "51.489", "lng": "-0.138"},
    ),
    "neighbourhood_edit": _neighbourhood_edit,
    # The application pages
    "application_note": _application_post(
        "application_note", {"note-text": "Lovely chat", "note-interview": "on"}
    ),
    "application_reference": _application_post(
        "application_reference",
        {"reference-referee_name": "Rita Referee", "reference-referee_email": "rita@example.org"},
    ),
    "application_check": _application_post(
        "application_check",
        {
            "check-kind": "id_seen",
            "check-result": "passed",
            "check-checked_on": dt.date.today().isoformat(),
        },
    ),
    "application_approve": _application_post(
        "application_approve", {"approve-reason": "Good fit"}, supported=True
    ),
    "application_decline": _application_post(
        "application_decline", {"decline-reason": "Out of area"}
    ),
    # Agencies, roles, sessions, registers, referrals, self-assessments, spend partners
    "agency_create": lambda w: (
        w.coordinator,
        w.url("agency_create"),
        {
            "name": "Riverside Library",
            "kind": "library",
            "place": "Market Square",
            "description": "",
            "website": "",
        },
    ),
    "agency_edit": lambda w: (
        w.coordinator,
        w.url("agency_edit", _agency(w).slug),
        {
            "name": "Riverside Health Centre",
            "kind": "gp_practice",
            "place": "14 Dock Street",
            "description": "",
            "website": "",
        },
    ),
    "agency_archive": lambda w: (w.coordinator, w.url("agency_archive", _agency(w).slug), {}),
    "agency_staff_add": lambda w: (
        w.coordinator,
        w.url("agency_staff_add", _agency(w).slug),
        {"number": w.number(w.member), "role": "staff", "job_title": "Helper"},
    ),
    "agency_staff_remove": _agency_staff_remove,
    "role_create": lambda w: (w.coordinator, w.url("role_create", _agency(w).slug), _role_data()),
    "role_edit": lambda w: (
        w.coordinator,
        w.url("role_edit", _draft_role(w).pk),
        _role_data(title="Story buddy"),
    ),
    "role_publish": lambda w: (w.coordinator, w.url("role_publish", _draft_role(w).pk), {}),
    "role_archive": lambda w: (w.coordinator, w.url("role_archive", _draft_role(w).pk), {}),
    "training_record": lambda w: (
        _agency(w) and w.staff,
        w.url("training_record"),
        {"number": w.number(w.member), "name": "Safeguarding", "completed_on": "2025-03-01"},
    ),
    "session_create": lambda w: (
        w.staff,
        w.url("session_create", _agency(w).slug),
        {**_session_form(), "role": w.fixture("role").pk},
    ),
    "series_create": lambda w: (
        w.staff,
        w.url("series_create", _agency(w).slug),
        {
            "role": w.fixture("role").pk,
            "day": (dt.date.today() + dt.timedelta(days=3)).isoformat(),
            "start": "10:00",
            "duration_minutes": "120",
            "repeat": "weekly",
            "count": "4",
            "place": "Library",
            "capacity": "6",
        },
    ),
    "session_edit": lambda w: (
        w.staff,
        w.url("session_edit", w.fixture("session").pk),
        _agency(w) and _session_form(),
    ),
    "session_cancel": lambda w: (
        w.staff,
        w.url("session_cancel", w.fixture("session").pk),
        {"reason": "Flooded"},
    ),
    "session_register": lambda w: _register(w, "save"),
    "session_register_confirm": _register_confirm,
    "referral_create": lambda w: (
        w.staff,
        w.url("referral_create", _agency(w).slug),
        {
            "target": "community",
            "role": "",
            "group_name": "",
            "full_name": "Pat Patient",
            "phone": "07700 900123",
            "email": "pat@example.org",
            "what_matters": "Lonely",
            "consent_given": "on",
            "consent_note": "Agreed in clinic",
            "share_with_referrer": "status",
        },
    ),
    "referral_status": lambda w: (
        w.coordinator,
        w.url("referral_status", _referral(w).pk),
        {"status": "contacted", "note": "Left a message"},
    ),
    "assessment_create": lambda w: (
        w.staff,
        w.url("assessment_create", _agency(w).slug),
        _assessment_answers(),
    ),
    "partner_add": lambda w: (
        w.coordinator,
        w.url("partner_add"),
        {"name": "Town Cinema", "place": ""},
    ),
    "partner_edit": lambda w: (
        w.coordinator,
        w.url("partner_edit", w.partner().pk),
        {"name": "Riverside Leisure Centre", "place": "Dock Road", "description": "Pool."},
    ),
    "partner_archive": lambda w: (w.coordinator, w.url("partner_archive", w.partner().pk), {}),
    "partner_offer_add": lambda w: (
        w.coordinator,
        w.url("partner_offer_add", w.partner().pk),
        {"title": "A film", "minutes": "90", "max_adults": "1", "max_children": "2"},
    ),
    "partner_offer_deactivate": lambda w: (
        w.coordinator,
        w.url("partner_offer_deactivate", (p := w.partner()).pk, swim(w.coordinator, p).pk),
        {},
    ),
    "partner_redeem": _redeem,
    "agency_fund": lambda w: (
        w.coordinator,
        w.url("agency_fund", _agency(w).slug),
        {
            "source": "issuance",
            "time_hours": "10",
            "time_minutes": "0",
            "note": "Spring sessions",
            "idempotency_key": "9b7e6a52-8a3c-4d7e-9a43-1f0b1f2c3d4e",
        },
    ),
    "community_create": _community_create,
    "member_first_password": _member_first_password,
    "member_sign_in_letter": lambda w: (
        w.coordinator,
        w.url("member_sign_in_letter", w.number(w.offline())),
        {},
    ),
    "sign_in_code": _sign_in_code,
    "choose_password": _choose_password,
    # Sanctions (issue 12)
    "sanction_new": lambda w: (
        w.coordinator,
        w.url("sanction_new"),
        {
            "member": str(w.number(w.member)),
            "step": "reminder",
            "rule_broken": "Turn up when you said you would",
            "reason": "Missed three sessions.",
        },
    ),
    "sanction_appeal": lambda w: (
        w.member,
        w.url("sanction_appeal", _sanction(w).number),
        {"grounds": "I was ill."},
    ),
    "sanction_outcome": _sanction_outcome,
    "sanction_lift": lambda w: (
        w.coordinator,
        w.url("sanction_lift", _sanction(w, "suspension").number),
        {"reason": "Made amends."},
    ),
}


def test_it_walks_every_post_view():
    assert post_url_names() - set(CASES) == set()
    assert set(CASES) - post_url_names() == set()


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_successful_post_answers_with_a_redirect(client, community, request, name):
    world = World(request)
    person, url, data = CASES[name](world)
    if person is not None:
        client.force_login(person)
    response = client.post(url, data)
    assert response.status_code in (302, 303), (name, response.status_code, _errors(response))
    # A success, not a refusal that also redirects (with an error message) or a trip to sign in.
    refusals = [str(m) for m in get_messages(response.wsgi_request) if m.level >= messages.WARNING]
    assert refusals == [], name
    assert not response["Location"].startswith(reverse("account_login")), name
    # The page it leads to opens with a GET (and so can be refreshed safely).
    assert client.get(response["Location"]).status_code in (200, 302), name


def _errors(response) -> str:
    body = response.content.decode(errors="replace")
    return " | ".join(
        re.sub(r"<[^>]+>", " ", m) for m in re.findall(r'class="error[^"]*"[^>]*>(.*?)</', body)
    )[:500]
