"""Proposals from draft to decision: drafting (the rulebook's rules copied on), co-signing into
deliberation, comments and amendments accepted as new versions, withdrawing, opening and
closing the vote on time (a timed job), and the decision: the count, and for an adopted rule
change the new rulebook version, written in the same transaction with `source="decision"`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from coproduce.communities.selectors import communities as communities_selectors
from coproduce.communities.selectors.rules import is_rule_about_rules, validate_rules
from coproduce.communities.services import communities as communities_services
from coproduce.coproduction.selectors import agencies as agencies_selectors
from coproduce.core import limits
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, PermissionDenied, ValidationFailed

from ..access import access_act_on_proposal, access_propose, access_take_part
from ..models import (
    Comment,
    CoSignature,
    Method,
    Proposal,
    ProposalKind,
    ProposalStage,
    ProposalVersion,
)
from ..selectors import proposals as proposals_selectors
from . import notices

OPTION_METHODS = (Method.APPROVAL, Method.RANKED)


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


def _rule_changes(
    errors: dict, community, kind: str, raw: Any, in_force: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A rule change's new values, checked as the rulebook checks them, and different from the
    rules in force; nothing for other kinds."""
    if kind != ProposalKind.RULE_CHANGE:
        if raw:
            errors["rule_changes"] = ["Only a rule change proposal carries new rule values."]
        return {}
    if not isinstance(raw, dict) or not raw:
        errors["rule_changes"] = ["Give the rules to change and their new values."]
        return {}
    cleaned, rule_errors = validate_rules(raw)
    for key, messages in rule_errors.items():
        errors.setdefault("rule_changes", []).extend(f"{key}: {m}" for m in messages)
    if in_force is None:
        in_force = communities_selectors.rules_for(community)
    if cleaned and all(in_force.get(key) == value for key, value in cleaned.items()):
        errors.setdefault("rule_changes", []).append(
            "Nothing would change: these are the rules already in force."
        )
    return cleaned


def _options(errors: dict, method: str, raw: Any) -> list[str]:
    if method not in OPTION_METHODS:
        if raw:
            errors["options"] = ["Only an approval or ranked vote has options."]
        return []
    if not isinstance(raw, (list, tuple)):
        errors["options"] = ["List the options, one each."]
        return []
    options = [o.strip() for o in raw if isinstance(o, str) and o.strip()]
    if len(options) != len(raw) or not 2 <= len(options) <= limits.OPTIONS_MAX:
        errors["options"] = [f"Give 2 to {limits.OPTIONS_MAX} options, each in words."]
    elif any(len(o) > limits.OPTION for o in options):
        errors["options"] = [f"Write each option in at most {limits.OPTION} characters."]
    elif len({o.casefold() for o in options}) != len(options):
        errors["options"] = ["Give each option once."]
    return options


def _agency(errors: dict, community, kind: str, raw: Any):
    """The agency an ask is addressed to (an id of one of the community's agencies); none for
    other kinds."""
    if kind != ProposalKind.ASK:
        if raw:
            errors["agency"] = ["Only an ask to a public service is addressed to an agency."]
        return None
    found = (
        agencies_selectors.agencies_of(community).filter(pk=raw).first()
        if isinstance(raw, int) and not isinstance(raw, bool)
        else None
    )
    if found is None:
        errors["agency"] = ["Choose the agency the ask is addressed to."]
    return found


def proposal_draft(
    *,
    actor: Actor,
    community,
    kind: str,
    title: str,
    body: str,
    rule_changes: dict[str, Any] | None = None,
    options: list[str] | None = None,
    agency: int | None = None,
) -> Proposal:
    """A member drafts a proposal; the rulebook's rules for its kind (method, ballot, quorum,
    threshold, co-signers, dates) are copied onto it. With no co-signers needed it goes
    straight to deliberation. An ask names the agency it is addressed to (`agency`, an id).
    Raises NotFound, PermissionDenied (`too_new_to_propose`),
    ValidationFailed."""
    rules = communities_selectors.rules_for(community)
    access_propose(actor, community, rules)
    errors: dict[str, list[str]] = {}
    if kind not in ProposalKind.values:
        errors["kind"] = [f"Choose one of: {', '.join(ProposalKind.values)}."]
        raise ValidationFailed("Please correct the proposal.", fields=errors)
    method = rules[f"method_{kind}"]
    title = _text(errors, "title", title, limits.PROPOSAL_TITLE)
    body = _text(errors, "body", body, limits.PROPOSAL_TEXT)
    changes = _rule_changes(errors, community, kind, rule_changes, rules)
    if any(is_rule_about_rules(key) for key in changes):
        method = Method.SUPERMAJORITY  # the rules about changing rules
    chosen = _options(errors, method, options)
    addressed = _agency(errors, community, kind, agency)
    if errors:
        raise ValidationFailed("Please correct the proposal.", fields=errors)
    with transaction.atomic(durable=True):
        # Numbered P-1, P-2, ... under the community's lock: drafts at once queue.
        communities_services.community_lock(community)
        number = (
            Proposal.objects.filter(community=community).aggregate(last=Max("number"))["last"] or 0
        ) + 1
        proposal = Proposal.objects.create(
            community=community,
            number=number,
            author=actor,
            kind=kind,
            method=method,
            secret=rules[f"ballot_{kind}"] == "secret",
            quorum_percent=rules["decision_quorum_percent"],
            threshold_percent=rules["supermajority_percent"]
            if method == Method.SUPERMAJORITY
            else None,
            cosigners_needed=rules["proposal_cosigners"],
            deliberation_days=rules["deliberation_days"],
            voting_days=rules["voting_days"],
            rulebook_number=communities_selectors.rulebook_current(community).number,
            options=chosen,
            agency=addressed,
        )
        ProposalVersion.objects.create(
            proposal=proposal, number=1, title=title, body=body, rule_changes=changes
        )
        audit_record(
            actor=actor,
            action="proposal.draft",
            subject=proposal,
            community_id=community.pk,
            changes={
                "kind": [None, kind],
                "title": [None, title],
                "rule_changes": [None, changes],
            },
        )
        if proposal.cosigners_needed == 0:
            _to_deliberation(proposal, actor)
    return proposal


def _locked(proposal: Proposal) -> Proposal:
    return Proposal.objects.select_for_update().select_related("community").get(pk=proposal.pk)


def _to_deliberation(proposal: Proposal, actor: Actor | None) -> None:
    now = timezone.now()
    proposal.stage = ProposalStage.DELIBERATION
    proposal.deliberation_at = now
    proposal.voting_opens_at = now + dt.timedelta(days=proposal.deliberation_days)
    proposal.voting_closes_at = proposal.voting_opens_at + dt.timedelta(days=proposal.voting_days)
    proposal.save(update_fields=["stage", "deliberation_at", "voting_opens_at", "voting_closes_at"])
    audit_record(
        actor=actor,
        action="proposal.deliberation",
        subject=proposal,
        community_id=proposal.community_id,
        changes={
            "stage": [ProposalStage.DRAFT, ProposalStage.DELIBERATION],
            "voting_opens_at": [None, proposal.voting_opens_at.isoformat()],
            "voting_closes_at": [None, proposal.voting_closes_at.isoformat()],
        },
    )
    notices.discussion_started(proposal, proposals_selectors.current_version(proposal).title)


def proposal_cosign(*, actor: Actor, proposal: Proposal) -> Proposal:
    """Another member co-signs a draft; the last co-signer needed moves it into deliberation,
    with voting dates set by its rules. Raises NotFound, PermissionDenied (`own_proposal`),
    Conflict (`already_cosigned`, `not_a_draft`)."""
    access_take_part(actor, proposal)
    if proposal.author_id == actor.pk:
        raise PermissionDenied("You cannot co-sign your own proposal.", code="own_proposal")
    with transaction.atomic(durable=True):
        locked = _locked(proposal)
        if locked.stage != ProposalStage.DRAFT:
            raise Conflict("Only a draft is co-signed.", code="not_a_draft")
        _, made = CoSignature.objects.get_or_create(proposal=locked, person=actor)
        if not made:
            raise Conflict("You have co-signed this proposal already.", code="already_cosigned")
        audit_record(
            actor=actor, action="proposal.cosign", subject=locked, community_id=locked.community_id
        )
        if locked.cosignatures.count() >= locked.cosigners_needed:
            _to_deliberation(locked, actor)
    return locked


def proposal_comment(
    *,
    actor: Actor,
    proposal: Proposal,
    body: str,
    reply_to: Comment | None = None,
    amendment: dict[str, Any] | None = None,
) -> Comment:
    """A comment in the proposal's thread (a draft's or one under discussion), or, in
    deliberation, a suggested amendment: `amendment` holds the new `title`, `body` and, for a
    rule change, `rule_changes`. Raises NotFound, Conflict (`not_open_for_comment`,
    `amendments_closed`), ValidationFailed."""
    access_act_on_proposal(actor, proposal)
    errors: dict[str, list[str]] = {}
    body = _text(errors, "body", body, limits.MESSAGE)
    amended: dict[str, Any] = {}
    if amendment is not None:
        if proposal.stage != ProposalStage.DELIBERATION:
            raise Conflict(
                "Amendments are suggested while a proposal is under discussion.",
                code="amendments_closed",
            )
        current = proposals_selectors.current_version(proposal)
        amended["title"] = _text(
            errors, "amended_title", amendment.get("title") or current.title, limits.PROPOSAL_TITLE
        )
        amended["body"] = _text(
            errors, "amended_body", amendment.get("body") or current.body, limits.PROPOSAL_TEXT
        )
        amended["rule_changes"] = _rule_changes(
            errors,
            proposal.community,
            proposal.kind,
            amendment.get("rule_changes") or current.rule_changes,
        )
    if reply_to is not None and reply_to.proposal_id != proposal.pk:
        errors["reply_to"] = ["Reply to a comment on this proposal."]
    if errors:
        raise ValidationFailed("Please correct the comment.", fields=errors)
    if proposal.stage not in (ProposalStage.DRAFT, ProposalStage.DELIBERATION):
        raise Conflict("Comments are taken before voting opens.", code="not_open_for_comment")
    with transaction.atomic(durable=True):
        comment = Comment.objects.create(
            proposal=proposal,
            author=actor,
            reply_to=reply_to,
            body=body,
            is_amendment=amendment is not None,
            amended_title=amended.get("title", ""),
            amended_body=amended.get("body", ""),
            amended_rule_changes=amended.get("rule_changes", {}),
        )
        audit_record(
            actor=actor,
            action="proposal.amendment" if amendment is not None else "proposal.comment",
            subject=proposal,
            community_id=proposal.community_id,
        )
    return comment


def amendment_accept(*, actor: Actor, comment: Comment) -> ProposalVersion:
    """The author accepts a suggested amendment: the proposal's next version. Raises NotFound,
    PermissionDenied (`not_the_author`), Conflict (`amendments_closed`, `not_an_amendment`,
    `already_accepted`)."""
    proposal = comment.proposal
    access_act_on_proposal(actor, proposal)
    if proposal.author_id != actor.pk:
        raise PermissionDenied(
            "Only the proposal's author accepts amendments.", code="not_the_author"
        )
    if not comment.is_amendment:
        raise Conflict("This comment suggests no amendment.", code="not_an_amendment")
    with transaction.atomic(durable=True):
        locked = _locked(proposal)
        if locked.stage != ProposalStage.DELIBERATION:
            raise Conflict("Amendments are accepted before voting opens.", code="amendments_closed")
        fresh = Comment.objects.select_for_update().get(pk=comment.pk)
        if fresh.accepted_at is not None:
            raise Conflict("This amendment is in the proposal already.", code="already_accepted")
        current = proposals_selectors.current_version(locked)
        version = ProposalVersion.objects.create(
            proposal=locked,
            number=current.number + 1,
            title=fresh.amended_title,
            body=fresh.amended_body,
            rule_changes=fresh.amended_rule_changes,
            amendment=fresh,
        )
        fresh.accepted_at = timezone.now()
        fresh.save(update_fields=["accepted_at"])
        if locked.method != Method.SUPERMAJORITY and any(
            is_rule_about_rules(key) for key in version.rule_changes
        ):
            # The amended text now changes a rule about changing rules: a supermajority decides.
            locked.method = Method.SUPERMAJORITY
            locked.threshold_percent = communities_selectors.rules_for(locked.community)[
                "supermajority_percent"
            ]
            locked.save(update_fields=["method", "threshold_percent"])
        audit_record(
            actor=actor,
            action="proposal.version",
            subject=locked,
            community_id=locked.community_id,
            changes={"version": [current.number, version.number]},
        )
    return version


def proposal_withdraw(*, actor: Actor, proposal: Proposal) -> Proposal:
    """The author withdraws a proposal before voting opens. Raises NotFound, PermissionDenied
    (`not_the_author`), Conflict (`voting_started`)."""
    access_act_on_proposal(actor, proposal)
    if proposal.author_id != actor.pk:
        raise PermissionDenied("Only the proposal's author withdraws it.", code="not_the_author")
    with transaction.atomic(durable=True):
        locked = _locked(proposal)
        if locked.stage not in (ProposalStage.DRAFT, ProposalStage.DELIBERATION):
            raise Conflict("A proposal can be withdrawn only before voting.", code="voting_started")
        old = locked.stage
        locked.stage = ProposalStage.WITHDRAWN
        locked.decided_at = timezone.now()
        locked.save(update_fields=["stage", "decided_at"])
        audit_record(
            actor=actor,
            action="proposal.withdraw",
            subject=locked,
            community_id=locked.community_id,
            changes={"stage": [old, ProposalStage.WITHDRAWN]},
        )
    return locked
