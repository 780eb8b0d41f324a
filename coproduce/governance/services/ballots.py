"""Casting and changing a vote. An open ballot names its voter; a secret one does not: the only
link between a person and a secret vote is that they voted (`Participation`), and the only
handle on the ballot is the receipt code the voter was given (stored hashed), which they use
to change their vote until close and to check, after close, that it was counted. A coordinator
can record the vote of an offline member who asked them to; the record says so."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.idempotency import once

from ..access import access_take_part
from ..models import Ballot, Method, Participation, Proposal, ProposalStage
from ..selectors import counting
from ..selectors.proposals import receipt_hash

RECEIPT_BYTES = 10


@dataclass(frozen=True)
class Cast:
    ballot: Ballot | None  # None when a retry replays a secret vote (nothing links it back)
    receipt: str  # the code to keep: shown once, stored only hashed ("" on a secret replay)
    changed: bool


def _new_receipt() -> str:
    raw = secrets.token_hex(RECEIPT_BYTES).upper()
    return "-".join(raw[i : i + 5] for i in range(0, len(raw), 5))


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def check_choice(proposal: Proposal, choice: Any, reason: str) -> tuple[Any, str]:
    """The ballot as the proposal's method takes it, checked by the counting itself (the same
    messages). Raises ValidationFailed naming the field."""
    method = proposal.method
    reason = (reason or "").strip() if isinstance(reason, str) else ""
    if method in (Method.MAJORITY, Method.SUPERMAJORITY):
        counting.majority([choice], electorate=1, quorum_percent=0)
        return choice, ""
    if method == Method.CONSENT:
        if choice not in (counting.CONSENT, counting.OBJECT):
            raise _bad("choice", "Consent, or object with a reason.")
        if choice == counting.OBJECT and not reason:
            raise _bad("reason", "Say why you object: an objection needs a reason.")
        if len(reason) > limits.TEXT:
            raise _bad("reason", f"Write at most {limits.TEXT} characters.")
        return choice, reason if choice == counting.OBJECT else ""
    if not isinstance(choice, (list, tuple)) or not all(isinstance(o, str) for o in choice):
        field = "approve" if method == Method.APPROVAL else "ranking"
        raise _bad(field, "Choose from the options on the ballot.")
    options = list(proposal.options)
    if method == Method.APPROVAL:
        counting.approval([choice], options=options, electorate=1, quorum_percent=0)
    else:
        counting.ranked([choice], options=options, electorate=1, quorum_percent=0)
    return list(choice), ""


def ballot_cast(
    *,
    actor: Actor,
    proposal: Proposal,
    choice: Any,
    reason: str = "",
    receipt: str = "",
    on_behalf_of=None,
    idempotency_key: str | None = None,
) -> Cast:
    """Cast a vote, or change it until close (a secret one with its `receipt`). With
    `on_behalf_of`, a coordinator records an offline member's vote at their request. With a
    client's key, a retry answers as the first attempt did (for a secret ballot without the
    receipt, which is shown once). Raises
    NotFound, PermissionDenied (`not_a_member`, `coordinators_only`), Conflict
    (`voting_not_open`, `receipt_needed`), ValidationFailed (the ballot, `receipt`)."""
    voter = on_behalf_of or actor
    if on_behalf_of is not None and on_behalf_of.pk != actor.pk:
        community_access.access_community(actor, proposal.community)
        if not community_access.is_coordinator(actor, proposal.community):
            raise PermissionDenied(
                "Only a coordinator records another member's vote.", code="coordinators_only"
            )
    access_take_part(voter, proposal)
    choice, reason = check_choice(proposal, choice, reason)
    now = timezone.now()

    def run() -> tuple[Cast, dict[str, Any]]:
        """In the transaction `once` opens: the vote, its participation and its audit row."""
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if not (
            locked.stage == ProposalStage.VOTING
            and locked.voting_opens_at is not None
            and locked.voting_closes_at is not None
            and locked.voting_opens_at <= now < locked.voting_closes_at
        ):
            raise Conflict("Voting on this proposal is not open.", code="voting_not_open")
        participation = Participation.objects.filter(proposal=locked, person=voter).first()
        recorded_by = actor if voter.pk != actor.pk else None
        if participation is None:
            code = _new_receipt()
            ballot = Ballot.objects.create(
                proposal=locked,
                voter=None if locked.secret else voter,
                choice=choice,
                reason=reason,
                receipt_hash=receipt_hash(code),
                cast_at=None if locked.secret else now,
            )
            try:
                Participation.objects.create(proposal=locked, person=voter, recorded_by=recorded_by)
            except IntegrityError:  # pragma: no cover - the lock above serialises votes
                raise Conflict("You have voted already.", code="already_voted") from None
            changed = False
        else:
            if locked.secret:
                if not receipt:
                    raise Conflict(
                        "To change a secret vote, give the receipt code you were given.",
                        code="receipt_needed",
                    )
                found = Ballot.objects.filter(
                    proposal=locked, voter=None, receipt_hash=receipt_hash(receipt)
                ).first()
                if found is None:
                    raise _bad("receipt", "This is not the receipt code of a vote here.")
                ballot = found
            else:
                ballot = Ballot.objects.get(proposal=locked, voter=voter)
            code = receipt if locked.secret else _new_receipt()
            ballot.choice, ballot.reason, ballot.withdrawn = choice, reason, False
            if not locked.secret:
                ballot.cast_at = now
                ballot.receipt_hash = receipt_hash(code)
            ballot.save(update_fields=["choice", "reason", "withdrawn", "cast_at", "receipt_hash"])
            participation.changed_at = now
            participation.recorded_by = recorded_by
            participation.save(update_fields=["changed_at", "recorded_by"])
            changed = True
        audit_record(
            actor=actor,
            action="proposal.vote_changed" if changed else "proposal.vote",
            subject=locked,
            community_id=locked.community_id,
            person_id=voter.pk,
            # A secret ballot's content never goes into the audit row.
            changes={} if locked.secret else {"choice": [None, choice]},
            note="recorded by a coordinator at the member's request" if recorded_by else "",
        )
        cast = Cast(ballot=ballot, receipt=code.strip().upper(), changed=changed)
        # What a retry with the same key answers: for a secret ballot, never the receipt (it is
        # shown once) nor anything of the choice.
        stored = {
            # Not even which ballot, for a secret one: the key names the person.
            "ballot": None if locked.secret else str(ballot.pk),
            "changed": changed,
            "receipt": None if locked.secret else cast.receipt,
        }
        return cast, stored

    def load(stored: dict[str, Any]) -> Cast:
        ballot = Ballot.objects.get(pk=stored["ballot"]) if stored["ballot"] else None
        return Cast(ballot=ballot, receipt=stored["receipt"] or "", changed=stored["changed"])

    # The fingerprint a retry is compared with: for a secret ballot only the proposal and whose
    # vote (a hash of a choice among a few would give the vote away).
    fingerprint: dict[str, Any] = {"proposal": proposal.pk, "voter": voter.pk}
    if not proposal.secret:
        fingerprint.update(choice=choice, reason=reason)
    return once(
        scope="governance.ballot",
        key=idempotency_key,
        request=fingerprint,
        run=run,
        load=load,
    )


def objection_withdraw(*, actor: Actor, proposal: Proposal, receipt: str = "") -> Ballot:
    """A member withdraws their objection (consent) before close: by their open ballot, or by
    the receipt of a secret one. Raises NotFound, Conflict (`voting_not_open`), ValidationFailed."""
    access_take_part(actor, proposal)
    with transaction.atomic(durable=True):
        locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
        if locked.stage != ProposalStage.VOTING or locked.method != Method.CONSENT:
            raise Conflict("There is no objection to withdraw here now.", code="voting_not_open")
        if locked.secret:
            ballot = Ballot.objects.filter(
                proposal=locked, receipt_hash=receipt_hash(receipt or "")
            ).first()
        else:
            ballot = Ballot.objects.filter(proposal=locked, voter=actor).first()
        if ballot is None or ballot.choice != counting.OBJECT:
            raise NotFound("You have no objection on this proposal.")
        ballot.withdrawn = True
        ballot.save(update_fields=["withdrawn"])
        audit_record(
            actor=actor,
            action="proposal.objection_withdrawn",
            subject=locked,
            community_id=locked.community_id,
        )
    return ballot
