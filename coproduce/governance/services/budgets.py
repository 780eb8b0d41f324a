"""Participatory budgeting of the community fund: a coordinator opens a round (a budget in hours
the fund can cover, and its dates as days in the community's time zone); members propose
projects with a cost while proposing is open; coordinators check each one (eligible or not,
with a reason) before voting opens; members approve any number of eligible projects; at close
the greedy count (`selectors/budget_counting.py`) chooses the winners within the budget; a
coordinator then pays them from the fund, all in one transaction or none, each its own ledger
transfer with a key derived from the project, so paying again never pays twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, ValidationFailed
from coproduce.core.idempotency import once
from coproduce.ledger.services import accounts as accounts_services
from coproduce.ledger.services import transfers as transfers_services
from coproduce.ledger.services.postings import Leg

from ..access import access_budget, access_budget_vote, access_propose
from ..models import BudgetBallot, BudgetProject, BudgetRound, BudgetStage
from ..selectors import budget_counting
from ..selectors import budgets as budgets_selectors
from . import budget_notices
from .proposals import _text

show_hours = budget_counting.show_hours


def _minutes(errors: dict, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = ["Give a whole number of minutes."]
        return 0
    if value <= 0:
        errors[name] = ["Give more than zero minutes."]
    return value


def _day(errors: dict, name: str, value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        errors[name] = ["Give a date."]
        return None
    return value


def _starts(community, day: dt.date) -> dt.datetime:
    """The instant a day starts where the community is."""
    zone = communities_selectors.community_zone(community)
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def _ends(community, day: dt.date) -> dt.datetime:
    """The instant a day ends where the community is (the next one starts)."""
    return _starts(community, day + dt.timedelta(days=1))


def round_create(
    *,
    actor: Actor,
    community,
    title: str,
    description: str = "",
    budget_minutes: Any,
    proposing_opens: Any,
    proposing_closes: Any,
    voting_opens: Any,
    voting_closes: Any,
) -> BudgetRound:
    """A coordinator opens a round: a budget the fund can cover (what it holds less what
    rounds not yet paid have been promised) and four days in the community's time zone:
    proposing from the start of `proposing_opens` to the end of `proposing_closes`, voting from
    the start of `voting_opens` (a later day: checking goes between) to the end of
    `voting_closes`. Raises NotFound, PermissionDenied (`coordinators_only`), ValidationFailed."""
    community_access.access_coordinate(actor, community)
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, limits.PROPOSAL_TITLE)
    description = (description or "").strip() if isinstance(description, str) else ""
    if len(description) > limits.PROPOSAL_TEXT:
        errors["description"] = [f"Write at most {limits.PROPOSAL_TEXT} characters."]
    budget = _minutes(errors, "budget_minutes", budget_minutes)
    days = {
        name: _day(errors, name, value)
        for name, value in (
            ("proposing_opens", proposing_opens),
            ("proposing_closes", proposing_closes),
            ("voting_opens", voting_opens),
            ("voting_closes", voting_closes),
        )
    }
    p_open, p_close = days["proposing_opens"], days["proposing_closes"]
    v_open, v_close = days["voting_opens"], days["voting_closes"]
    if p_open and p_open < communities_selectors.local_today(community):
        errors["proposing_opens"] = ["Proposing cannot open on a day already past."]
    if p_open and p_close and p_close < p_open:
        errors["proposing_closes"] = ["Proposing closes on or after the day it opens."]
    if p_close and v_open and v_open <= p_close:
        errors["voting_opens"] = ["Voting opens after proposing closes (checking goes between)."]
    if v_open and v_close and v_close < v_open:
        errors["voting_closes"] = ["Voting closes on or after the day it opens."]
    if errors:
        raise ValidationFailed("Please correct the round.", fields=errors)
    assert p_open and p_close and v_open and v_close
    with transaction.atomic(durable=True):
        # Numbered B-1, B-2, ... under the community's lock, which also keeps two rounds from
        # promising the same hours of the fund.
        communities_services.community_lock(community)
        free = budgets_selectors.fund_balance(community) - budgets_selectors.fund_promised(
            community
        )
        if budget > free:
            message = (
                f"The fund can promise at most {show_hours(max(free, 0))} (it holds "
                f"{show_hours(budgets_selectors.fund_balance(community))}, less what rounds "
                "not yet paid were promised)."
            )
            raise ValidationFailed(message, fields={"budget_minutes": [message]})
        number = (
            BudgetRound.objects.filter(community=community).aggregate(last=Max("number"))["last"]
            or 0
        ) + 1
        budget_round = BudgetRound.objects.create(
            community=community,
            number=number,
            title=title,
            description=description,
            budget_minutes=budget,
            created_by=actor,
            proposing_opens_at=_starts(community, p_open),
            proposing_closes_at=_ends(community, p_close),
            voting_opens_at=_starts(community, v_open),
            voting_closes_at=_ends(community, v_close),
        )
        audit_record(
            actor=actor,
            action="budget.create",
            subject=budget_round,
            community_id=community.pk,
            changes={
                "title": [None, title],
                "budget_minutes": [None, budget],
                "proposing": [None, [p_open.isoformat(), p_close.isoformat()]],
                "voting": [None, [v_open.isoformat(), v_close.isoformat()]],
            },
        )
    return budget_round


def project_propose(
    *,
    actor: Actor,
    budget: BudgetRound,
    title: str,
    body: str,
    cost_minutes: Any,
    recipient=None,
    now: dt.datetime | None = None,
) -> BudgetProject:
    """A member (of the rulebook's `proposal_member_days` or more) proposes a project while
    proposing is open: its cost, no more than the round's budget, and the member who receives
    the hours if it is funded (by default the proposer). Raises NotFound, PermissionDenied
    (`too_new_to_propose`), Conflict (`proposing_closed`), ValidationFailed."""
    community = budget.community
    access_propose(actor, community, communities_selectors.rules_for(community))
    errors: dict[str, list[str]] = {}
    title = _text(errors, "title", title, limits.PROPOSAL_TITLE)
    body = _text(errors, "body", body, limits.PROPOSAL_TEXT)
    cost = _minutes(errors, "cost_minutes", cost_minutes)
    if "cost_minutes" not in errors and cost > budget.budget_minutes:
        errors["cost_minutes"] = [
            f"A project can cost at most the round's budget, {show_hours(budget.budget_minutes)}."
        ]
    recipient = recipient or actor
    if community_access.membership_of(recipient, community) is None:
        errors["recipient"] = ["The hours go to an active member of the community."]
    if errors:
        raise ValidationFailed("Please correct the project.", fields=errors)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = BudgetRound.objects.select_for_update().get(pk=budget.pk)
        if not budgets_selectors.proposing_open(locked, now):
            raise Conflict(
                "Projects are proposed only while proposing is open for this round.",
                code="proposing_closed",
            )
        number = (
            BudgetProject.objects.filter(round=locked).aggregate(last=Max("number"))["last"] or 0
        ) + 1
        project = BudgetProject.objects.create(
            round=locked,
            number=number,
            proposer=actor,
            recipient=recipient,
            title=title,
            body=body,
            cost_minutes=cost,
        )
        audit_record(
            actor=actor,
            action="budget.project",
            subject=project,
            community_id=community.pk,
            changes={
                "title": [None, title],
                "cost_minutes": [None, cost],
                "recipient": [None, recipient.pk],
            },
        )
    return project


def project_check(
    *,
    actor: Actor,
    project: BudgetProject,
    eligible: Any,
    reason: str = "",
    now: dt.datetime | None = None,
) -> BudgetProject:
    """A coordinator checks a project before voting opens: eligible or not, and why (a reason
    is needed to turn one down). A check can be changed until voting opens. Raises NotFound,
    PermissionDenied (`coordinators_only`), Conflict (`checks_closed`), ValidationFailed."""
    budget = project.round
    community_access.access_coordinate(actor, budget.community)
    errors: dict[str, list[str]] = {}
    if not isinstance(eligible, bool):
        errors["eligible"] = ["Say whether the project is eligible: true or false."]
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if eligible is False and not reason:
        errors["reason"] = ["Say why the project is not eligible."]
    elif len(reason) > limits.TEXT:
        errors["reason"] = [f"Write at most {limits.TEXT} characters."]
    if errors:
        raise ValidationFailed("Please correct the check.", fields=errors)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked_round = BudgetRound.objects.select_for_update().get(pk=budget.pk)
        if now >= locked_round.voting_opens_at or locked_round.stage in (
            BudgetStage.VOTING,
            BudgetStage.CLOSED,
            BudgetStage.PAID,
        ):
            raise Conflict("Projects are checked before voting opens.", code="checks_closed")
        locked = BudgetProject.objects.select_for_update().get(pk=project.pk)
        old = (locked.eligible, locked.check_reason)
        locked.eligible, locked.check_reason = eligible, reason
        locked.checked_by, locked.checked_at = actor, now
        locked.save(update_fields=["eligible", "check_reason", "checked_by", "checked_at"])
        audit_record(
            actor=actor,
            action="budget.check",
            subject=locked,
            community_id=locked_round.community_id,
            changes={"eligible": [old[0], eligible], "check_reason": [old[1], reason]},
        )
    return locked


def budget_ballot_cast(
    *,
    actor: Actor,
    budget: BudgetRound,
    approve: Any,
    idempotency_key: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[BudgetBallot, bool]:
    """A member approves any number of the round's eligible projects (at least one) while
    voting is open, or changes their ballot until it closes. Returns the ballot and whether it
    changed an earlier one. With a client's key, a retry answers as the first attempt did.
    Raises NotFound, PermissionDenied (`not_a_member`), Conflict (`voting_not_open`),
    ValidationFailed (`approve`)."""
    access_budget_vote(actor, budget)
    if not isinstance(approve, (list, tuple)):
        raise ValidationFailed(
            "List the numbers of the projects you approve.",
            fields={"approve": ["List the numbers of the projects you approve."]},
        )
    now = now or timezone.now()

    def run() -> tuple[tuple[BudgetBallot, bool], dict[str, Any]]:
        locked = BudgetRound.objects.select_for_update().get(pk=budget.pk)
        if not budgets_selectors.voting_open(locked, now):
            raise Conflict("Voting in this round is not open.", code="voting_not_open")
        eligible = set(
            BudgetProject.objects.filter(round=locked, eligible=True).values_list(
                "number", flat=True
            )
        )
        approved = budget_counting.check_approvals(approve, eligible)
        ballot = BudgetBallot.objects.filter(round=locked, voter=actor).first()
        changed = ballot is not None
        if ballot is None:
            ballot = BudgetBallot.objects.create(
                round=locked, voter=actor, approved=approved, cast_at=now
            )
            old = None
        else:
            old = ballot.approved
            ballot.approved, ballot.changed_at = approved, now
            ballot.save(update_fields=["approved", "changed_at"])
        audit_record(
            actor=actor,
            action="budget.vote_changed" if changed else "budget.vote",
            subject=locked,
            community_id=locked.community_id,
            person_id=actor.pk,
            changes={"approved": [old, approved]},
        )
        return (ballot, changed), {"ballot": ballot.pk, "changed": changed}

    def load(stored: dict[str, Any]) -> tuple[BudgetBallot, bool]:
        return BudgetBallot.objects.get(pk=stored["ballot"]), stored["changed"]

    return once(
        scope="governance.budget_ballot",
        key=idempotency_key,
        request={"round": budget.pk, "voter": actor.pk, "approve": list(approve)},
        run=run,
        load=load,
    )


def _count(budget: BudgetRound) -> budget_counting.BudgetResult:
    candidates = [
        budget_counting.Candidate(number=p.number, title=p.title, cost_minutes=p.cost_minutes)
        for p in BudgetProject.objects.filter(round=budget, eligible=True).order_by("number")
    ]
    ballots = BudgetBallot.objects.filter(round=budget).order_by("id")
    return budget_counting.greedy(
        candidates, [b.approved for b in ballots], budget_minutes=budget.budget_minutes
    )


def budget_close(
    *, budget: BudgetRound, actor: Actor | None = None, now: dt.datetime | None = None
) -> BudgetRound:
    """Count a round whose voting has ended (the timed job, or a coordinator): the counting is
    stored as shown and each project marked funded or not; every member is told. Idempotent: a
    counted round is returned as it is. Raises (for a coordinator) NotFound, PermissionDenied
    (`coordinators_only`), Conflict (`voting_not_over`)."""
    if actor is not None:
        community_access.access_coordinate(actor, budget.community)
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        locked = (
            BudgetRound.objects.select_for_update().select_related("community").get(pk=budget.pk)
        )
        if locked.stage in (BudgetStage.CLOSED, BudgetStage.PAID):
            return locked
        if now < locked.voting_closes_at:
            if actor is not None:
                raise Conflict("Voting in this round has not ended.", code="voting_not_over")
            return locked
        result = _count(locked)
        old = locked.stage
        locked.result = result.as_stored()
        locked.stage = BudgetStage.CLOSED
        locked.closed_at = now
        locked.save(update_fields=["result", "stage", "closed_at"])
        BudgetProject.objects.filter(round=locked).update(funded=False)
        BudgetProject.objects.filter(round=locked, number__in=result.funded).update(funded=True)
        audit_record(
            actor=actor,
            action="budget.counted",
            subject=locked,
            community_id=locked.community_id,
            changes={"stage": [old, BudgetStage.CLOSED], "funded": [None, result.funded]},
            note=" ".join(result.lines),
        )
        budget_notices.results_out(locked, result.lines)
    return locked


def budgets_advance(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The timed job: record each round's stage by its dates (members are told when voting
    opens) and count those whose voting has ended. Returns how many rounds opened for voting
    and how many were counted."""
    now = now or timezone.now()
    opened = 0
    for budget in BudgetRound.objects.filter(stage__in=budgets_selectors.UNDER_WAY).order_by("id"):
        target = budgets_selectors.stage_now(budget, now)
        if target == BudgetStage.CLOSED or target == budget.stage:
            continue
        with transaction.atomic(durable=True):
            locked = (
                BudgetRound.objects.select_for_update()
                .select_related("community")
                .get(pk=budget.pk)
            )
            target = budgets_selectors.stage_now(locked, now)
            if target == locked.stage or target == BudgetStage.CLOSED:
                continue
            old = locked.stage
            locked.stage = target
            locked.save(update_fields=["stage"])
            audit_record(
                actor=None,
                action="budget.stage",
                subject=locked,
                community_id=locked.community_id,
                changes={"stage": [old, target]},
            )
            if target == BudgetStage.VOTING:
                budget_notices.voting_opened(locked)
                opened += 1
    closed = 0
    for budget in BudgetRound.objects.filter(
        stage__in=budgets_selectors.UNDER_WAY, voting_closes_at__lte=now
    ).order_by("id"):
        if budget_close(budget=budget, now=now).stage == BudgetStage.CLOSED:
            closed += 1
    return {"opened": opened, "closed": closed}


def payment_key(project: BudgetProject) -> str:
    """The ledger key of a project's grant: derived from the project, so it is posted once."""
    return f"budget:{project.round_id}:project:{project.pk}"


def budget_pay(*, actor: Actor, budget: BudgetRound) -> BudgetRound:
    """A coordinator pays a counted round's winners from the fund: one transaction for all of
    them, each its own grant with a key derived from the project. Paying a round already paid
    changes nothing; if the fund or the ledger refuses any grant, nothing is paid. Raises
    NotFound, PermissionDenied (`coordinators_only`), Conflict (`not_counted`, `fund_too_low`),
    and what the ledger raises (LimitExceeded, Conflict for a closed account)."""
    access_budget(actor, budget)
    community_access.access_coordinate(actor, budget.community)
    community = budget.community
    with transaction.atomic(durable=True):
        locked = BudgetRound.objects.select_for_update().get(pk=budget.pk)
        if locked.stage == BudgetStage.PAID:
            return locked
        if locked.stage != BudgetStage.CLOSED:
            raise Conflict("A round is paid once it has been counted.", code="not_counted")
        winners = list(
            BudgetProject.objects.select_for_update()
            .filter(round=locked, funded=True)
            .select_related("recipient")
            .order_by("number")
        )
        total = sum(p.cost_minutes for p in winners)
        held = budgets_selectors.fund_balance(community)
        if total > held:
            raise Conflict(
                f"The fund holds {show_hours(held)}; the winners need {show_hours(total)}. "
                "Nothing was paid.",
                code="fund_too_low",
            )
        fund = accounts_services.fund_account(community)
        for project in winners:
            if project.transfer_id is not None:  # pragma: no cover - paid rounds return above
                continue
            project.transfer = transfers_services.post_transfer(
                actor=actor,
                community=community,
                key=payment_key(project),
                reason=transfers_services.Reason.GRANT,
                memo=f"Budget round {locked.code}: {project.title}",
                related=("governance.budgetproject", project.pk),
                legs=[
                    Leg(fund.pk, -project.cost_minutes),
                    Leg(
                        accounts_services.member_account(community, project.recipient).pk,
                        project.cost_minutes,
                    ),
                ],
            )
            project.save(update_fields=["transfer"])
        locked.stage = BudgetStage.PAID
        locked.paid_at = timezone.now()
        locked.paid_by = actor
        locked.save(update_fields=["stage", "paid_at", "paid_by"])
        audit_record(
            actor=actor,
            action="budget.paid",
            subject=locked,
            community_id=locked.community_id,
            changes={
                "stage": [BudgetStage.CLOSED, BudgetStage.PAID],
                "transfers": [None, [p.transfer_id for p in winners]],
            },
            note=f"{show_hours(total)} paid from the fund to {len(winners)} projects.",
        )
        budget_notices.paid(locked, winners)
    return locked
