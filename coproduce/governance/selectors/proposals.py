"""Reads of proposals: one with its current version, a community's list, the electorate."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch

from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.core.errors import Conflict, NotFound, ValidationFailed

from ..access import access_proposal
from ..models import (
    Ballot,
    Comment,
    CoSignature,
    Participation,
    Proposal,
    ProposalStage,
    ProposalVersion,
)


def current_version(proposal: Proposal) -> ProposalVersion:
    """The latest version: the text discussed now, and the one voted on."""
    version = proposal.versions.order_by("-number").first()
    if version is None:  # every proposal is drafted with its first version
        raise NotFound("No such proposal.")
    return version


def proposal_get(community, viewer, number: int) -> Proposal:
    """Proposal P-`number` of the community, for a member. Raises NotFound."""
    try:
        proposal = Proposal.objects.select_related("community", "author", "agency").get(
            community=community, number=number
        )
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such proposal.") from None
    access_proposal(viewer, proposal)
    return proposal


def electorate(community) -> int:
    """The active members who may vote: the quorum's base at close."""
    return memberships_selectors.active_members_count(community)


PAGE_SIZE = 50


@dataclass(frozen=True)
class ProposalRow:
    """A proposal as a list shows it."""

    proposal: Proposal
    current: ProposalVersion
    cosigned: int


@dataclass(frozen=True)
class ProposalView:
    """A proposal as its page and the API's detail show it."""

    proposal: Proposal
    versions: list[ProposalVersion]  # oldest first; the last is the one discussed and voted on
    cosigned: int
    commented: int
    i_cosigned: bool
    i_voted: bool

    @property
    def current(self) -> ProposalVersion:
        return self.versions[-1]


def proposals_of(
    community, viewer, *, stage: str | None = None, limit: int = PAGE_SIZE
) -> list[ProposalRow]:
    """The community's proposals, newest first, each with its current version and its
    co-signers' count: two queries however many there are. Raises ValidationFailed (stage)."""
    if stage is not None and stage not in ProposalStage.values:
        message = f"Choose a stage: {', '.join(ProposalStage.values)}."
        raise ValidationFailed(message, fields={"stage": [message]})
    found = (
        Proposal.objects.filter(community=community)
        .select_related("author", "community")
        .annotate(cosigned=Count("cosignatures", distinct=True))
        .prefetch_related(
            Prefetch("versions", queryset=ProposalVersion.objects.order_by("-number"))
        )
        .order_by("-number")
    )
    if stage:
        found = found.filter(stage=stage)
    return [
        ProposalRow(proposal=p, current=next(iter(p.versions.all())), cosigned=p.cosigned)
        for p in found[:limit]
    ]


def proposal_detail(community, viewer, number: int) -> ProposalView:
    """One proposal with every version, its co-signers' and comments' counts, and whether the
    viewer co-signed it or voted. Three queries. Raises NotFound."""
    person_id: int = getattr(viewer, "pk", None) or 0  # 0: nobody (an anonymous viewer)
    try:
        proposal = (
            Proposal.objects.select_related("author", "community", "rulebook_version", "agency")
            .annotate(
                cosigned=Count("cosignatures", distinct=True),
                commented=Count("comments", distinct=True),
                i_cosigned=Exists(
                    CoSignature.objects.filter(proposal=OuterRef("pk"), person_id=person_id)
                ),
                i_voted=Exists(
                    Participation.objects.filter(proposal=OuterRef("pk"), person_id=person_id)
                ),
            )
            .get(community=community, number=number)
        )
    except (Proposal.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such proposal.") from None
    access_proposal(viewer, proposal)
    return ProposalView(
        proposal=proposal,
        versions=list(proposal.versions.order_by("number")),
        cosigned=proposal.cosigned,
        commented=proposal.commented,
        i_cosigned=proposal.i_cosigned,
        i_voted=proposal.i_voted,
    )


def comments_of(proposal: Proposal) -> list[Comment]:
    """The proposal's thread, oldest first, with each comment's author: one query."""
    return list(Comment.objects.filter(proposal=proposal).select_related("author").order_by("id"))


def comment_get(proposal: Proposal, comment_id: int) -> Comment:
    """A comment on this proposal. Raises NotFound."""
    try:
        return Comment.objects.select_related("proposal").get(pk=comment_id, proposal=proposal)
    except (Comment.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such comment.") from None


def result_of(proposal: Proposal) -> dict:
    """The count stored at close. Raises Conflict (`not_decided`) before then."""
    if proposal.result is None:
        raise Conflict("This proposal has not been decided yet.", code="not_decided")
    return proposal.result


def people_taking_part(proposal: Proposal, *, voters: bool = False) -> list:
    """Whom news of a proposal is for: its author, its co-signers and everyone who commented
    (and, with `voters`, everyone who voted), each once, active members only. Four queries."""
    ids = {proposal.author_id}
    ids |= set(CoSignature.objects.filter(proposal=proposal).values_list("person_id", flat=True))
    ids |= set(Comment.objects.filter(proposal=proposal).values_list("author_id", flat=True))
    if voters:
        ids |= set(
            Participation.objects.filter(proposal=proposal).values_list("person_id", flat=True)
        )
    return memberships_selectors.active_people(proposal.community, ids)


def decisions_behind_versions(community) -> dict[int, int]:
    """Rulebook version id -> the number of the adopted proposal that wrote it (one query)."""
    return dict(
        Proposal.objects.filter(community=community, rulebook_version__isnull=False).values_list(
            "rulebook_version_id", "number"
        )
    )


def active_members(community) -> list:
    """Every active member of the community (whom a review question is for): one query."""
    return memberships_selectors.active_people_except(community, [])


def members_not_voted(proposal: Proposal) -> list:
    """The active members who have not voted on the proposal (whom "closes tomorrow" is for)."""
    return memberships_selectors.active_people_except(
        proposal.community,
        Participation.objects.filter(proposal=proposal).values("person_id"),
    )


def agency_staff(agency) -> list:
    """The people on an agency's staff now (whom an ask is for)."""
    return [membership.person for membership in agencies_selectors.staff_of(agency)]


def receipt_hash(code: str) -> str:
    """How a receipt code is kept: only its hash (the voter keeps the code)."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def receipt_counted(proposal: Proposal, code: str) -> bool:
    """Whether a ballot with this receipt is in the proposal's count (once it is decided). Says
    nothing of how it voted. Raises Conflict (`not_decided`)."""
    if proposal.stage not in (ProposalStage.ADOPTED, ProposalStage.REJECTED):
        raise Conflict("The ballots are counted when voting closes.", code="not_decided")
    code = (code or "").strip()
    if not code:
        return False
    return Ballot.objects.filter(proposal=proposal, receipt_hash=receipt_hash(code)).exists()
