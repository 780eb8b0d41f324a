"""Reads of what follows decisions: a decision's commitments (with owners and progress notes),
its ask's answer, the review tally; a community's commitments, the overdue ones first. A fixed
number of queries whatever the number of commitments and notes."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.core.errors import NotFound

from ..models import (
    AskAnswer,
    Commitment,
    CommitmentNote,
    Proposal,
    ProposalKind,
    ProposalStage,
    ProposalVersion,
    Review,
    ReviewVerdict,
)
from . import proposals as proposals_selectors


def commitments_query() -> QuerySet[Commitment]:
    return Commitment.objects.select_related(
        "owner_person", "owner_agency", "proposal", "proposal__community"
    ).prefetch_related(
        Prefetch("notes", queryset=CommitmentNote.objects.select_related("author").order_by("id"))
    )


def owner_label(commitment: Commitment) -> str:
    if commitment.owner_agency is not None:
        return commitment.owner_agency.name
    if commitment.owner_person is not None:
        return commitment.owner_person.display_name
    return commitment.owner_name


def is_overdue(commitment: Commitment, today: dt.date) -> bool:
    return commitment.done_at is None and commitment.due_on < today


@dataclass(frozen=True)
class FollowUp:
    """What follows an adopted decision, as its page shows it."""

    commitments: list[Commitment]
    overdue_ids: set[int]
    answer: AskAnswer | None
    waiting_days: int | None  # an ask not yet answered: days since it was adopted
    answer_late: bool
    reviews: dict[str, int]  # verdict -> count
    my_review: Review | None
    review_open: bool


def follow_up(proposal: Proposal, viewer) -> FollowUp | None:
    """For an adopted proposal: its commitments with notes, the ask's answer, the review tally and
    the viewer's own review. Four queries; None for a proposal not adopted."""
    if proposal.stage != ProposalStage.ADOPTED:
        return None
    today = communities_selectors.local_today(proposal.community)
    commitments = list(commitments_query().filter(proposal=proposal))
    answer = None
    waiting = None
    late = False
    if proposal.kind == ProposalKind.ASK:
        answer = AskAnswer.objects.select_related("answered_by").filter(proposal=proposal).first()
        if answer is None and proposal.decided_at is not None:
            decided_on = communities_selectors.local_now(
                proposal.community, proposal.decided_at
            ).date()
            waiting = (today - decided_on).days
            late = proposal.answer_due_on is not None and today > proposal.answer_due_on
    reviews = list(Review.objects.filter(proposal=proposal).values_list("person_id", "verdict"))
    tally = Counter(verdict for _person, verdict in reviews)
    mine = None
    if getattr(viewer, "pk", None) is not None and any(p == viewer.pk for p, _ in reviews):
        mine = Review.objects.filter(proposal=proposal, person=viewer).first()
    return FollowUp(
        commitments=commitments,
        overdue_ids={c.pk for c in commitments if is_overdue(c, today)},
        answer=answer,
        waiting_days=waiting,
        answer_late=late,
        reviews={v: tally.get(v, 0) for v in ReviewVerdict.values},
        my_review=mine,
        review_open=proposal.review_on is not None and proposal.review_on <= today,
    )


def commitments_of(community, *, overdue: bool = False) -> list[Commitment]:
    """A community's commitments, those not yet done first by due date; with `overdue`, only
    those past their date and not done. Two queries."""
    today = communities_selectors.local_today(community)
    query = commitments_query().filter(proposal__community=community)
    if overdue:
        query = query.filter(done_at__isnull=True, due_on__lt=today)
    return list(query.order_by("done_at", "due_on", "id"))


def commitment_get(community, commitment_id: int) -> Commitment:
    found = commitments_query().filter(proposal__community=community, pk=commitment_id).first()
    if found is None:
        raise NotFound("No such commitment.")
    return found


def overdue_count(community) -> int:
    today = communities_selectors.local_today(community)
    return Commitment.objects.filter(
        proposal__community=community, done_at__isnull=True, due_on__lt=today
    ).count()


def today_in(community) -> dt.date:
    return communities_selectors.local_today(community)


def decision_get(community, viewer, number: int) -> Proposal:
    """Adopted proposal P-`number` of the community, for a member. Raises NotFound (also for a
    proposal not adopted)."""
    proposal = proposals_selectors.proposal_get(community, viewer, number)
    if proposal.stage != ProposalStage.ADOPTED:
        raise NotFound("No such decision: the proposal was not adopted.")
    return proposal


@dataclass(frozen=True)
class DecisionRow:
    proposal: Proposal
    title: str
    follow: FollowUp


DECISIONS_PAGE = 50


def decisions_of(community, *, limit: int = DECISIONS_PAGE) -> list[DecisionRow]:
    """The community's adopted proposals, newest first, each with what follows it (commitments
    and notes, the ask's answer, the review tally). Six queries whatever their number."""
    today = communities_selectors.local_today(community)
    proposals = list(
        Proposal.objects.filter(community=community, stage=ProposalStage.ADOPTED)
        .select_related("community", "agency")
        .prefetch_related(
            Prefetch("commitments", queryset=commitments_query().order_by("due_on", "id")),
            Prefetch("versions", queryset=ProposalVersion.objects.order_by("-number")),
        )
        .order_by("-decided_at", "-number")[:limit]
    )
    ids = [p.pk for p in proposals]
    answers = {
        a.proposal_id: a
        for a in AskAnswer.objects.filter(proposal_id__in=ids).select_related("answered_by")
    }
    tallies: dict[int, Counter] = {}
    for proposal_id, verdict in Review.objects.filter(proposal_id__in=ids).values_list(
        "proposal_id", "verdict"
    ):
        tallies.setdefault(proposal_id, Counter())[verdict] += 1
    rows = []
    for proposal in proposals:
        commitments = list(proposal.commitments.all())
        answer = answers.get(proposal.pk)
        waiting = None
        late = False
        if proposal.kind == ProposalKind.ASK and answer is None and proposal.decided_at:
            decided_on = communities_selectors.local_now(community, proposal.decided_at).date()
            waiting = (today - decided_on).days
            late = proposal.answer_due_on is not None and today > proposal.answer_due_on
        tally = tallies.get(proposal.pk, Counter())
        follow = FollowUp(
            commitments=commitments,
            overdue_ids={c.pk for c in commitments if is_overdue(c, today)},
            answer=answer,
            waiting_days=waiting,
            answer_late=late,
            reviews={v: tally.get(v, 0) for v in ReviewVerdict.values},
            my_review=None,
            review_open=proposal.review_on is not None and proposal.review_on <= today,
        )
        rows.append(DecisionRow(proposal, proposal.versions.all()[0].title, follow))
    return rows
