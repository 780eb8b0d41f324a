"""Disputes about an exchange, a decision or a sanction: opening one (about an exchange waiting
for an answer, the exchange is marked disputed in the same transaction so it is not posted),
notes in its private thread, a coordinator assigning a mediator (a member with the mediator
role, never a party), the mediator recording the parties' agreement or escalating it, and the
panel of coordinators not involved deciding it. Settling an exchange's dispute moves hours only
by the ledger's own moves (posting the recorded hours, or a reversal whose reason names D-n),
through `exchanges.services.answers.exchange_settle`."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.communities.selectors import memberships as memberships_selectors
from coproduce.communities.services import communities as communities_services
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.idempotency import once
from coproduce.exchanges import access as exchange_access
from coproduce.exchanges.services import answers as answers_services
from coproduce.notifications.services import notifications as notifications_services

from ..access import (
    access_dispute,
    access_dispute_notes,
    dispute_party_ids,
    is_involved,
    on_panel,
)
from ..models import (
    Dispute,
    DisputeNote,
    DisputeOutcome,
    DisputeParty,
    DisputeStage,
    DisputeSubject,
    Proposal,
    ProposalStage,
)
from ..selectors import disputes as disputes_selectors
from ..selectors import sanctions as sanctions_selectors

# An exchange's states as the exchanges app names them (its models are not imported across apps).
POSTED = "confirmed"
WAITING = "disputed"


def _text(errors: dict, name: str, value: Any, maximum: int) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        errors[name] = ["Write this as text."]
        return ""
    if not text:
        errors[name] = ["Write something here."]
    elif len(text) > maximum:
        errors[name] = [f"Write at most {maximum} characters."]
    return text


def _url(dispute: Dispute) -> str:
    return f"/c/{dispute.community.slug}/disputes/{dispute.number}/"


def _tell(dispute: Dispute, person_ids, *, kind: str, title: str, body: str = "") -> None:
    """Tell these people (active members only, each once) about the dispute, in the caller's
    transaction."""
    for person in memberships_selectors.active_people(dispute.community, set(person_ids) - {None}):
        notifications_services.notify(
            person=person,
            kind=kind,
            title=title,
            body=body,
            url=_url(dispute),
            community=dispute.community,
        )


def _locked(dispute: Dispute) -> Dispute:
    """The dispute read again under its row lock, with its parties."""
    return (
        Dispute.objects.select_for_update(of=("self",))
        .select_related("community", "exchange", "proposal")
        .prefetch_related("parties")
        .get(pk=dispute.pk)
    )


def _number(community) -> int:
    return (
        Dispute.objects.filter(community=community).aggregate(last=Max("number"))["last"] or 0
    ) + 1


def dispute_open(
    *,
    actor: Actor,
    community,
    subject: str,
    summary: str,
    exchange=None,
    proposal: Proposal | None = None,
    sanction_ref: int | None = None,
    on_behalf_of=None,
    idempotency_key: str | None = None,
) -> Dispute:
    """A member opens a dispute about an exchange they are in (a coordinator may open it for
    one of them, `on_behalf_of`), a decision (a proposal past its draft) or a sanction
    (`sanction_ref`: its number, S-n; the member sanctioned and whoever decided it are parties).
    An exchange waiting for an answer is marked disputed in the same
    transaction, so it is not posted; a posted one stays as it is until the dispute is settled.
    The parties are the opener and, for an exchange, everyone in it; for a decision, the
    proposal's author. Numbered D-1, D-2, ... under the community's lock. Raises NotFound,
    PermissionDenied (`not_a_participant`, `not_a_member`), ValidationFailed, Conflict
    (`already_disputed`, the exchange's own state)."""
    membership = community_access.access_community(actor, community)
    opener = on_behalf_of or actor
    if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
        community_access.access_coordinate(actor, community)
    if membership.pk is None and on_behalf_of is None:
        raise PermissionDenied("Only members open a dispute.", code="not_a_member")
    errors: dict[str, list[str]] = {}
    summary = _text(errors, "summary", summary, limits.TEXT)
    if subject not in DisputeSubject.values:
        errors["subject"] = [f"Choose one of: {', '.join(DisputeSubject.values)}."]
    elif subject == DisputeSubject.EXCHANGE and exchange is None:
        errors["exchange"] = ["Name the exchange the dispute is about."]
    elif subject == DisputeSubject.DECISION and proposal is None:
        errors["proposal"] = ["Name the decision (proposal) the dispute is about."]
    elif subject == DisputeSubject.SANCTION and sanction_ref is None:
        errors["sanction"] = ["Name the sanction the dispute is about."]
    for name, value, kind in (
        ("exchange", exchange, DisputeSubject.EXCHANGE),
        ("proposal", proposal, DisputeSubject.DECISION),
        ("sanction", sanction_ref, DisputeSubject.SANCTION),
    ):
        if value is not None and subject != kind:
            errors[name] = [f"A dispute about {subject.replace('_', ' ')} names no {name}."]
    if errors:
        raise ValidationFailed("Please correct the dispute.", fields=errors)
    if exchange is not None and exchange.community_id != community.pk:
        raise NotFound("No such exchange.")
    sanction = (
        sanctions_selectors.sanction_get(community, opener, sanction_ref)
        if sanction_ref is not None
        else None
    )  # NotFound unless the opener may see it: their own, or a coordinator's or steward's
    if proposal is not None:
        if proposal.community_id != community.pk:
            raise NotFound("No such proposal.")
        if proposal.stage == ProposalStage.DRAFT:
            message = "A draft is not a decision yet: comment on it instead."
            raise ValidationFailed(message, fields={"proposal": [message]})

    def run() -> tuple[Dispute, dict[str, Any]]:
        # The community's lock first (then the exchange's, then accounts'): disputes at once
        # queue for their numbers, and two about one posted exchange cannot both pass the check.
        communities_services.community_lock(community)
        parties = {opener.pk}
        if exchange is not None:
            if exchange.status == POSTED:
                # Posted hours: the exchange stays as it is; settling may reverse them.
                exchange_access.access_answer(opener, exchange, dispute=True)
                if disputes_selectors.dispute_for_exchange(exchange) is not None:
                    raise Conflict(
                        "A dispute about this exchange is already open.", code="already_disputed"
                    )
            else:
                answers_services.exchange_dispute_mark(
                    actor=actor,
                    exchange=exchange,
                    reason=summary,
                    on_behalf_of=on_behalf_of,
                )
            parties |= {part.person_id for part in exchange.participants.all()}
        if proposal is not None:
            parties.add(proposal.author_id)
        if sanction is not None:
            parties |= {sanction.person_id, sanction.decided_by_id}
        dispute = Dispute.objects.create(
            community=community,
            number=_number(community),
            subject=subject,
            exchange=exchange,
            proposal=proposal,
            sanction_ref=sanction_ref,
            opened_by=opener,
            summary=summary,
        )
        DisputeParty.objects.bulk_create(
            DisputeParty(dispute=dispute, person_id=pk) for pk in sorted(parties)
        )
        audit_record(
            actor=actor,
            on_behalf_of=on_behalf_of,
            action="dispute.open",
            subject=dispute,
            community_id=community.pk,
            person_id=opener.pk,
            note=summary,
            changes={
                "stage": [None, DisputeStage.OPEN],
                "subject": [None, subject],
                "parties": [None, sorted(parties)],
            },
        )
        _tell(
            dispute,
            parties - {opener.pk},
            kind="dispute_opened",
            title=f"{dispute.code}: {opener.display_name} opened a dispute you are a party to",
            body=summary,
        )
        return dispute, {"dispute_id": dispute.pk}

    return once(
        scope=f"dispute-open:{community.pk}",
        key=idempotency_key,
        request={
            "by": opener.pk,
            "subject": subject,
            "exchange": getattr(exchange, "pk", None),
            "proposal": getattr(proposal, "pk", None),
            "sanction": sanction_ref,
            "summary": summary,
        },
        run=run,
        load=lambda stored: Dispute.objects.select_related("community").get(
            pk=stored["dispute_id"]
        ),
    )


def _open_or_conflict(dispute: Dispute) -> None:
    if dispute.stage not in disputes_selectors.OPEN_STAGES:
        raise Conflict(
            f"{dispute.code} is {dispute.get_stage_display().lower()}: it is closed.",
            code="dispute_closed",
        )


def dispute_note_add(*, actor: Actor, dispute: Dispute, body: str) -> DisputeNote:
    """A party, the mediator or (once escalated) a panel member adds a note to the private
    thread. Raises NotFound, PermissionDenied (`notes_private`), ValidationFailed, Conflict
    (`dispute_closed`)."""
    access_dispute_notes(actor, dispute)
    errors: dict[str, list[str]] = {}
    body = _text(errors, "body", body, limits.MESSAGE)
    if errors:
        raise ValidationFailed("Please correct the note.", fields=errors)
    with transaction.atomic(durable=True):
        locked = _locked(dispute)
        _open_or_conflict(locked)
        note = DisputeNote.objects.create(dispute=locked, author=actor, body=body)
        # The audit row says a note was added, not what it says: the thread is private.
        audit_record(
            actor=actor,
            action="dispute.note",
            subject=locked,
            community_id=locked.community_id,
            changes={"note": [None, note.pk]},
        )
    return note


def dispute_mediator_assign(*, actor: Actor, dispute: Dispute, mediator) -> Dispute:
    """A coordinator not involved assigns (or changes) the mediator: an active member holding
    the mediator role, never a party. The parties and the mediator are told. Raises NotFound,
    PermissionDenied (`coordinators_only`, `involved`), ValidationFailed (`mediator`: a party,
    not a mediator), Conflict (`dispute_closed`, `not_in_mediation`)."""
    access_dispute(actor, dispute)
    community_access.access_coordinate(actor, dispute.community)
    if is_involved(actor, dispute):
        raise PermissionDenied(
            "You are involved in this dispute: another coordinator assigns the mediator.",
            code="involved",
        )
    if mediator is None:
        raise ValidationFailed(
            "Choose the mediator.", fields={"mediator": ["Choose a member with the mediator role."]}
        )
    if mediator.pk in dispute_party_ids(dispute):
        message = f"{mediator.display_name} is a party to {dispute.code} and cannot mediate it."
        raise ValidationFailed(message, code="mediator_is_party", fields={"mediator": [message]})
    if disputes_selectors.MEDIATOR not in community_access.roles_in(mediator, dispute.community):
        message = (
            f"{mediator.display_name} does not hold the mediator role in this community; "
            "a coordinator gives it on the member's page."
        )
        raise ValidationFailed(message, code="not_a_mediator", fields={"mediator": [message]})
    with transaction.atomic(durable=True):
        locked = _locked(dispute)
        if locked.stage not in (DisputeStage.OPEN, DisputeStage.MEDIATION):
            _open_or_conflict(locked)
            raise Conflict(
                f"{locked.code} is with a panel now: its mediation is over.",
                code="not_in_mediation",
            )
        old_stage, old_mediator = locked.stage, locked.mediator_id
        if old_mediator == mediator.pk:
            return locked
        locked.stage = DisputeStage.MEDIATION
        locked.mediator = mediator
        locked.mediator_at = timezone.now()
        locked.save(update_fields=["stage", "mediator", "mediator_at"])
        audit_record(
            actor=actor,
            action="dispute.mediator",
            subject=locked,
            community_id=locked.community_id,
            person_id=mediator.pk,
            changes={"stage": [old_stage, locked.stage], "mediator": [old_mediator, mediator.pk]},
        )
        _tell(
            locked,
            dispute_party_ids(locked) | {mediator.pk},
            kind="dispute_mediator",
            title=f"{locked.code}: {mediator.display_name} will mediate",
            body="The mediator reads the dispute's private notes and helps the parties agree.",
        )
    return locked


def _outcome(errors: dict, dispute: Dispute, outcome: Any) -> str:
    """What settling does to the dispute's exchange; for any other subject, nothing."""
    if outcome in (None, "") and dispute.subject != DisputeSubject.EXCHANGE:
        return DisputeOutcome.NONE
    if outcome not in DisputeOutcome.values:
        errors["outcome"] = [f"Choose one of: {', '.join(DisputeOutcome.values)}."]
        return ""
    if dispute.subject != DisputeSubject.EXCHANGE:
        if outcome != DisputeOutcome.NONE:
            errors["outcome"] = ["Only a dispute about an exchange changes hours."]
        return outcome
    assert dispute.exchange is not None
    status = dispute.exchange.status
    if status == WAITING and outcome not in (
        DisputeOutcome.CONFIRM,
        DisputeOutcome.CANCEL,
    ):
        errors["outcome"] = [
            "The hours are waiting: say whether they are confirmed (posted) or cancelled."
        ]
    elif status != WAITING and outcome not in (
        DisputeOutcome.NONE,
        DisputeOutcome.REVERSE,
    ):
        errors["outcome"] = [
            "The hours were posted: they stand (none) or are reversed, as a new transfer."
        ]
    return outcome


def _settle(dispute: Dispute, actor: Actor, outcome: str, text: str) -> None:
    if dispute.exchange is not None and outcome != DisputeOutcome.NONE:
        answers_services.exchange_settle(
            actor=actor,
            exchange=dispute.exchange,
            outcome=outcome,
            note=f"{dispute.code}: {text}",
        )


def dispute_agree(*, actor: Actor, dispute: Dispute, outcome: str | None, text: str) -> Dispute:
    """The mediator records the parties' agreement: its words, and for an exchange what happens
    to the hours (`confirm` or `cancel` waiting hours; `none` or `reverse` posted ones, the
    reversal's reason naming the dispute). The parties are told. Raises NotFound,
    PermissionDenied (`mediator_only`), ValidationFailed (`text`, `outcome`), Conflict
    (`not_in_mediation`, `dispute_closed`), LimitExceeded (a reversal a balance cannot give)."""
    access_dispute(actor, dispute)
    if actor.pk != dispute.mediator_id:
        raise PermissionDenied("Only the mediator records an agreement.", code="mediator_only")
    return _close(
        actor=actor,
        dispute=dispute,
        outcome=outcome,
        text=text,
        stage_from=DisputeStage.MEDIATION,
        stage_to=DisputeStage.AGREED,
        panel=None,
    )


def dispute_escalate(*, actor: Actor, dispute: Dispute, reason: str) -> Dispute:
    """The mediator (or a party) sends a dispute in mediation to a panel of the community's
    coordinators not involved, saying why; the parties, the mediator and the panel are told.
    Raises NotFound, PermissionDenied (`not_involved`), ValidationFailed (`reason`), Conflict
    (`not_in_mediation`, `no_panel`: no coordinator is free of it)."""
    access_dispute(actor, dispute)
    if not is_involved(actor, dispute):
        raise PermissionDenied("The mediator or a party escalates a dispute.", code="not_involved")
    errors: dict[str, list[str]] = {}
    reason = _text(errors, "reason", reason, limits.TEXT)
    if errors:
        raise ValidationFailed("Please say why it goes to a panel.", fields=errors)
    with transaction.atomic(durable=True):
        locked = _locked(dispute)
        if locked.stage != DisputeStage.MEDIATION:
            _open_or_conflict(locked)
            raise Conflict(
                f"{locked.code} is not in mediation: a mediator is assigned first.",
                code="not_in_mediation",
            )
        panel = disputes_selectors.panel_for(locked)
        if not panel:
            raise Conflict(
                "Every coordinator is involved in this dispute, so there is no panel: "
                "the community needs another coordinator first.",
                code="no_panel",
            )
        locked.stage = DisputeStage.ESCALATED
        locked.escalation_reason = reason
        locked.escalated_at = timezone.now()
        locked.save(update_fields=["stage", "escalation_reason", "escalated_at"])
        audit_record(
            actor=actor,
            action="dispute.escalate",
            subject=locked,
            community_id=locked.community_id,
            note=reason,
            changes={"stage": [DisputeStage.MEDIATION, DisputeStage.ESCALATED]},
        )
        _tell(
            locked,
            dispute_party_ids(locked) | {locked.mediator_id} | {m.person_id for m in panel},
            kind="dispute_escalated",
            title=f"{locked.code} goes to a panel of coordinators",
            body=reason,
        )
    return locked


def dispute_decide(
    *, actor: Actor, dispute: Dispute, outcome: str | None, text: str, panel: list
) -> Dispute:
    """A coordinator on the panel records the panel's decision: its words, the panel's members
    (coordinators not involved, the recorder among them), and for an exchange what happens to
    the hours as for an agreement. The parties and the mediator are told. Raises NotFound,
    PermissionDenied (`not_on_panel`), ValidationFailed (`text`, `outcome`, `panel`), Conflict
    (`not_escalated`, `dispute_closed`), LimitExceeded."""
    access_dispute(actor, dispute)
    if not on_panel(actor, dispute):
        raise PermissionDenied(
            "Only a coordinator not involved in the dispute records the panel's decision.",
            code="not_on_panel",
        )
    return _close(
        actor=actor,
        dispute=dispute,
        outcome=outcome,
        text=text,
        stage_from=DisputeStage.ESCALATED,
        stage_to=DisputeStage.DECIDED,
        panel=panel,
    )


def _close(
    *,
    actor: Actor,
    dispute: Dispute,
    outcome: str | None,
    text: str,
    stage_from: str,
    stage_to: str,
    panel: list | None,
) -> Dispute:
    errors: dict[str, list[str]] = {}
    text = _text(errors, "text", text, limits.TEXT)
    chosen = _outcome(errors, dispute, outcome)
    panel_ids: list[int] = []
    if panel is not None:
        eligible = {m.person_id for m in disputes_selectors.panel_for(dispute)}
        panel_ids = sorted({getattr(p, "pk", p) for p in panel} | {actor.pk})
        strangers = [pk for pk in panel_ids if pk not in eligible]
        if strangers:
            errors["panel"] = [
                "The panel is the community's coordinators not involved in the dispute "
                "(no party, not the mediator)."
            ]
    if errors:
        raise ValidationFailed("Please correct the outcome.", fields=errors)
    with transaction.atomic(durable=True):
        locked = _locked(dispute)
        if locked.stage != stage_from:
            _open_or_conflict(locked)
            code = "not_in_mediation" if stage_from == DisputeStage.MEDIATION else "not_escalated"
            raise Conflict(f"{locked.code} is {locked.get_stage_display().lower()}.", code=code)
        _settle(locked, actor, chosen, text)
        locked.stage = stage_to
        locked.outcome = chosen
        locked.outcome_text = text
        locked.decided_by = actor
        locked.panel = panel_ids
        locked.closed_at = timezone.now()
        locked.save(
            update_fields=["stage", "outcome", "outcome_text", "decided_by", "panel", "closed_at"]
        )
        audit_record(
            actor=actor,
            action="dispute.agree" if stage_to == DisputeStage.AGREED else "dispute.decide",
            subject=locked,
            community_id=locked.community_id,
            note=text,
            changes={
                "stage": [stage_from, stage_to],
                "outcome": [None, chosen],
                **({"panel": [None, panel_ids]} if panel is not None else {}),
            },
        )
        what = "agreed" if stage_to == DisputeStage.AGREED else "decided by a panel"
        _tell(
            locked,
            dispute_party_ids(locked) | {locked.mediator_id},
            kind="dispute_settled",
            title=f"{locked.code} was {what}",
            body=text,
        )
    return locked


def disputed_exchange_resolve(
    *, actor: Actor, exchange, confirm: bool, note: str, idempotency_key: str | None = None
):
    """A coordinator settles a disputed exchange that has no dispute of its own (one disputed
    before disputes were here); one with a dispute is settled through it. Raises Conflict
    (`settle_through_dispute`) and what `exchange_resolve` raises."""
    open_dispute = disputes_selectors.dispute_for_exchange(exchange)
    if open_dispute is not None:
        raise Conflict(
            f"This exchange is settled through its dispute, {open_dispute.code}: an agreement "
            "the mediator records, or the panel's decision.",
            code="settle_through_dispute",
        )
    return answers_services.exchange_resolve(
        actor=actor,
        exchange=exchange,
        confirm=confirm,
        note=note,
        idempotency_key=idempotency_key,
    )
