"""References after a confirmed exchange, and coordinators closing the concerns among them."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.communities import access as community_access
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.idempotency import once

from ..models import (
    Exchange,
    ExchangeReference,
    ExchangeStatus,
    ReferenceKind,
)
from .answers import _answer_request
from .exchanges import _acting_person, _lock, _notify, _sides
from .listings import _has_controls

REFERENCE_TEXT_MAX = limits.TEXT


def _coordinators(community) -> list:
    from django.contrib.auth import get_user_model

    return list(
        get_user_model()
        .objects.filter(
            memberships__community=community,
            memberships__status="active",
            memberships__roles__role="coordinator",
        )
        .distinct()
    )


def reference_leave(
    *,
    actor: Actor,
    exchange: Exchange | None,
    subject,
    kind: str,
    text: str,
    on_behalf_of=None,
    idempotency_key: str | None = None,
) -> ExchangeReference:
    """A participant (or a coordinator for them) says how an exchange went with someone on the
    other side, once, after it was confirmed and while it stands (not reversed). A concern goes
    privately to the coordinators, who are emailed a link (never its text). Raises Conflict
    (`not_confirmed`, `already_left`), PermissionDenied (not a participant), ValidationFailed
    (about oneself or one's own side, kind, text)."""
    if exchange is None:
        raise Conflict(
            "A reference can only be left after a confirmed exchange.", code="not_confirmed"
        )
    text = (text or "").strip()

    def run():
        locked = _lock(exchange)
        person = _acting_person(actor, locked, on_behalf_of)
        providers, recipients = _sides(locked)
        if person.pk not in providers | recipients:
            raise PermissionDenied(
                "Only the people in this exchange can leave a reference about it.",
                code="not_a_participant",
            )
        reversed_ = Exchange.objects.filter(pk=locked.pk, transfer__reversal__isnull=False).exists()
        if locked.status != ExchangeStatus.CONFIRMED or locked.transfer_id is None or reversed_:
            raise Conflict(
                "A reference can only be left after a confirmed exchange that still stands.",
                code="not_confirmed",
            )
        other_side = recipients if person.pk in providers else providers
        subject_id = getattr(subject, "pk", None)
        if subject_id == person.pk:
            raise ValidationFailed(
                "You cannot leave a reference about yourself.",
                code="self_reference",
                fields={"subject": ["Choose someone on the other side."]},
            )
        if subject_id not in other_side:
            raise ValidationFailed(
                "A reference is about someone on the other side of the exchange.",
                fields={"subject": ["Choose someone on the other side."]},
            )
        errors: dict[str, list[str]] = {}
        if kind not in ReferenceKind.values:
            errors["kind"] = ["Choose positive, neutral or a concern."]
        if not text:
            errors["text"] = ["Say a few words about how it went."]
        elif len(text) > REFERENCE_TEXT_MAX:
            errors["text"] = [f"At most {REFERENCE_TEXT_MAX} characters."]
        elif _has_controls(text, multiline=True):
            errors["text"] = ["Remove the control characters."]
        if errors:
            raise ValidationFailed("Please correct the reference.", fields=errors)
        if ExchangeReference.objects.filter(
            exchange=locked, author=person, subject_id=subject_id
        ).exists():
            raise Conflict(
                "You have already left a reference about this person for this exchange.",
                code="already_left",
            )
        try:
            with transaction.atomic():
                reference = ExchangeReference.objects.create(
                    exchange=locked, author=person, subject_id=subject_id, kind=kind, text=text
                )
        except IntegrityError:
            raise Conflict(
                "You have already left a reference about this person for this exchange.",
                code="already_left",
            ) from None
        audit_record(
            actor=actor,
            on_behalf_of=person,
            action="exchange.reference",
            subject=reference,
            community_id=locked.community_id,
            person_id=person.pk,
            changes={
                "kind": [None, kind],
                "exchange": [None, locked.pk],
                "subject": [None, subject_id],
            },
        )
        if kind == ReferenceKind.CONCERN:
            community = locked.community
            _notify(
                _coordinators(community),
                f"A concern was raised ({community.name})",
                "A member raised a concern after an exchange. It is private: only coordinators can "
                "read it.",
                kind="concern",
                community=community,
                url=f"/c/{community.slug}/coordinate/concerns/",
            )
        return reference, {"reference_id": reference.pk}

    return once(
        scope=f"exchange-reference:{exchange.community_id}",
        key=idempotency_key,
        request=_answer_request(
            exchange,
            actor,
            on_behalf_of,
            subject=getattr(subject, "pk", None),
            kind=kind,
            text=text,
        ),
        run=run,
        load=lambda stored: ExchangeReference.objects.get(pk=stored["reference_id"]),
    )


def concern_close(*, actor: Actor, reference: ExchangeReference, outcome: str) -> ExchangeReference:
    """A coordinator closes a concern with what was done about it. Raises PermissionDenied (not
    a coordinator), NotFound (not a concern, or one about the actor: nobody reads those),
    ValidationFailed `outcome` (empty, too long, control characters), Conflict `already_closed`.
    Nothing is stored when refused."""
    community = reference.exchange.community
    community_access.access_coordinate(actor, community)
    if reference.kind != ReferenceKind.CONCERN or reference.subject_id == actor.pk:
        raise NotFound("No such concern.")
    text = (outcome if isinstance(outcome, str) else "").strip()
    if not text:
        note = "Say what was done about the concern."
    elif len(text) > REFERENCE_TEXT_MAX:
        note = f"At most {REFERENCE_TEXT_MAX} characters (this is {len(text)})."
    elif _has_controls(text, multiline=True):
        note = "Remove the control characters."
    else:
        note = ""
    if note:
        raise ValidationFailed(note, fields={"outcome": [note]})
    with transaction.atomic(durable=True):
        locked = ExchangeReference.objects.select_for_update().get(pk=reference.pk)
        if locked.concern_closed_at is not None:
            raise Conflict("This concern has already been closed.", code="already_closed")
        locked.concern_closed_at = timezone.now()
        locked.concern_closed_by = actor
        locked.concern_outcome = text
        locked.save(update_fields=["concern_closed_at", "concern_closed_by", "concern_outcome"])
        # The outcome may name people and safeguarding steps: the audit keeps that it was
        # closed and by whom, the text stays on the concern. Filed under its author, as when it
        # was raised, so it never shows in the history of the member it is about.
        audit_record(
            actor=actor,
            action="exchange.concern_close",
            subject=locked,
            community_id=community.pk,
            person_id=locked.author_id,
            changes={"concern_closed_at": [None, locked.concern_closed_at]},
        )
    return locked
