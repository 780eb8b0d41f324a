"""Reads of disputes: a member's list (their own, or all of the community's for a
coordinator), one dispute with its parties, notes and what the viewer may do, the mediators a
coordinator chooses from and the coordinators who may sit on a panel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q

from coproduce.communities import access as community_access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.core.errors import NotFound

from ..access import access_dispute, dispute_party_ids, is_involved, may_read_notes, on_panel
from ..models import Dispute, DisputeNote, DisputeParty, DisputeStage

PAGE_SIZE = 50
# The communities app's roles (`communities.models.Role`), by value: its models are not imported.
MEDIATOR = "mediator"
COORDINATOR = "coordinator"
OPEN_STAGES = (DisputeStage.OPEN, DisputeStage.MEDIATION, DisputeStage.ESCALATED)


def _disputes():
    return Dispute.objects.select_related(
        "community", "opened_by", "mediator", "decided_by", "exchange", "proposal"
    ).prefetch_related(
        Prefetch("parties", queryset=DisputeParty.objects.select_related("person").order_by("id"))
    )


def disputes_of(community, viewer, *, limit: int = PAGE_SIZE) -> list[Dispute]:
    """The disputes the viewer is a party to or mediates, newest first; a coordinator's list is
    all of the community's. Two queries however many there are (the viewer's roles are read
    once per request)."""
    found = _disputes().filter(community=community).order_by("-number")
    if not community_access.is_coordinator(viewer, community):
        found = found.filter(Q(parties__person=viewer) | Q(mediator=viewer)).distinct()
    return list(found[:limit])


def dispute_get(community, viewer, number: int) -> Dispute:
    """Dispute D-`number` of the community with its parties, for someone who may see it: two
    queries. Raises NotFound."""
    try:
        dispute = _disputes().get(community=community, number=number)
    except (Dispute.DoesNotExist, ValueError, TypeError):
        raise NotFound("No such dispute.") from None
    access_dispute(viewer, dispute)
    return dispute


def dispute_for_exchange(exchange) -> Dispute | None:
    """The dispute still open about an exchange, if there is one: one query."""
    return (
        Dispute.objects.filter(exchange=exchange, stage__in=OPEN_STAGES).order_by("-number").first()
    )


def disputes_by_exchange(exchanges) -> dict[int, Dispute]:
    """The open dispute of each of these exchanges that has one, by exchange id: one query."""
    found = Dispute.objects.filter(
        exchange__in=[e.pk for e in exchanges], stage__in=OPEN_STAGES
    ).order_by("number")
    return {d.exchange_id: d for d in found if d.exchange_id is not None}


def notes_of(dispute: Dispute) -> list[DisputeNote]:
    """The dispute's notes, oldest first, with their authors: one query. Callers check
    `access_dispute_notes` first."""
    return list(DisputeNote.objects.filter(dispute=dispute).select_related("author").order_by("id"))


def mediators_for(dispute: Dispute) -> list[tuple[Any, bool]]:
    """The members holding the mediator role, each with whether they are a party (and so may
    not mediate this one): whom a coordinator chooses from. One query."""
    parties = dispute_party_ids(dispute)
    return [
        (m, m.person_id in parties)
        for m in memberships_selectors.members_with_role(dispute.community, MEDIATOR)
    ]


def panel_for(dispute: Dispute) -> list:
    """The coordinators not involved (not a party, not the mediator): the panel of an escalated
    dispute. One query."""
    involved = dispute_party_ids(dispute) | {dispute.mediator_id}
    return [
        m
        for m in memberships_selectors.members_with_role(dispute.community, COORDINATOR)
        if m.person_id not in involved
    ]


@dataclass
class DisputeView:
    """A dispute as its page and the API's detail show it, with what the viewer may do."""

    dispute: Dispute
    parties: list
    notes: list[DisputeNote] | None  # None: the viewer may not read them
    panel_people: list = field(default_factory=list)  # the panel that decided, by name
    may_note: bool = False
    may_assign: bool = False
    may_agree: bool = False
    may_escalate: bool = False
    may_decide: bool = False
    mediators: list = field(default_factory=list)  # (membership, is a party), for the form
    panel: list = field(default_factory=list)  # for the panel's form


def dispute_detail(community, viewer, number: int) -> DisputeView:
    """One dispute for its page: the dispute and parties (two queries), the notes if the viewer
    may read them (one), the mediators for a coordinator (one), the panel for an escalated or
    decided one (one). Raises NotFound."""
    dispute = dispute_get(community, viewer, number)
    stage = dispute.stage
    is_open = stage in OPEN_STAGES
    reads = may_read_notes(viewer, dispute)
    coordinates = community_access.is_coordinator(viewer, community)
    view = DisputeView(
        dispute=dispute,
        parties=[p.person for p in dispute.parties.all()],
        notes=notes_of(dispute) if reads else None,
        may_note=reads and is_open,
        may_assign=coordinates
        and stage in (DisputeStage.OPEN, DisputeStage.MEDIATION)
        and not is_involved(viewer, dispute),
        may_agree=stage == DisputeStage.MEDIATION and viewer.pk == dispute.mediator_id,
        may_escalate=stage == DisputeStage.MEDIATION
        and (viewer.pk == dispute.mediator_id or viewer.pk in dispute_party_ids(dispute)),
        may_decide=stage == DisputeStage.ESCALATED and on_panel(viewer, dispute),
    )
    if view.may_assign:
        view.mediators = mediators_for(dispute)
    if view.may_decide:
        view.panel = panel_for(dispute)
    if stage == DisputeStage.DECIDED and dispute.panel:
        view.panel_people = memberships_selectors.active_people(community, dispute.panel)
    return view
