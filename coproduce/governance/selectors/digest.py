"""What the weekly digest says of governance: for each community a person is an active member
of, the votes open now, the proposals gone forward for discussion and the decisions made since
their last digest. Two queries whatever the number of communities and proposals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Prefetch, Q

from coproduce.communities import access as community_access
from coproduce.communities.selectors import communities as communities_selectors

from ..models import Proposal, ProposalStage, ProposalVersion

PER_COMMUNITY = 10


def governance_news(person, *, since: dt.datetime) -> list[tuple[Any, list[tuple[str, str]]]]:
    communities = {
        membership.community_id: membership.community
        for membership, _roles in community_access.memberships_with_roles(person).values()
        if membership.status == "active"
    }
    if not communities:
        return []
    found = (
        Proposal.objects.filter(community_id__in=communities)
        .filter(
            Q(stage=ProposalStage.VOTING)
            | Q(stage=ProposalStage.DELIBERATION, deliberation_at__gte=since)
            | Q(stage__in=[ProposalStage.ADOPTED, ProposalStage.REJECTED], decided_at__gte=since)
        )
        .prefetch_related(
            Prefetch("versions", queryset=ProposalVersion.objects.order_by("-number"))
        )
        .order_by("community_id", "-number")
    )
    news: dict[int, list[tuple[str, str]]] = {}
    for proposal in found:
        items = news.setdefault(proposal.community_id, [])
        if len(items) >= PER_COMMUNITY:
            continue
        title = proposal.versions.all()[0].title
        community = communities[proposal.community_id]
        if proposal.stage == ProposalStage.VOTING:
            assert proposal.voting_closes_at is not None
            local = communities_selectors.local_now(community, proposal.voting_closes_at)
            closes = f"{local:%-d %B, %H:%M}"
            line = f"Vote open on {proposal.code}: {title} (closes {closes})"
        elif proposal.stage == ProposalStage.DELIBERATION:
            line = f"Under discussion, {proposal.code}: {title}"
        elif proposal.stage == ProposalStage.ADOPTED:
            line = f"Adopted, {proposal.code}: {title}"
        else:
            line = f"Not adopted, {proposal.code}: {title}"
        items.append((line, f"/c/{community.slug}/proposals/{proposal.number}/"))
    return [(communities[cid], items) for cid, items in news.items() if items]
