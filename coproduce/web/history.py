"""A member's history in words, for coordinators: a sentence for each audit action, who did it
(or "By the system" for the timed jobs), and each change with its field's label and its values
as people say them ("nothing" rather than an empty value, choice labels rather than codes).

Every action the code base writes with `audit_record` has a sentence here;
tests/web/test_history_words.py fails when one is added without."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce.communities.models import Role, SensitiveField
from coproduce.communities.selectors.rules import RULES
from coproduce.ledger.selectors.amounts import hours

ACTIONS = {
    "acting_for.start": gettext_lazy("A coordinator started acting on their behalf."),
    "acting_for.stop": gettext_lazy("A coordinator stopped acting on their behalf."),
    "agency.archive": gettext_lazy("An agency was archived."),
    "agency.create": gettext_lazy("An agency was added."),
    "agency.staff_add": gettext_lazy("They were added to an agency's staff."),
    "agency.staff_remove": gettext_lazy("They were taken off an agency's staff."),
    "agency.update": gettext_lazy("An agency's details were changed."),
    "application.approve": gettext_lazy("Their application was approved."),
    "application.decline": gettext_lazy("Their application was declined."),
    "application.interview": gettext_lazy("Notes from their interview were added."),
    "application.note": gettext_lazy("A note was added to their application."),
    "application.submit": gettext_lazy("Their application to join was sent."),
    "assessment.create": gettext_lazy("A co-production self-assessment was recorded."),
    "category.add": gettext_lazy("A category was added."),
    "check.record": gettext_lazy("A check was recorded."),
    "community.create": gettext_lazy("The community was started."),
    "community.found": gettext_lazy("An operator founded the community."),
    "consent.give": gettext_lazy(
        "They agreed to let the community keep some sensitive information."
    ),
    "consent.withdraw": gettext_lazy(
        "They withdrew a consent, and the information it covered was deleted."
    ),
    "contact.passed_on": gettext_lazy("A message for them was passed on."),
    "contact.relay": gettext_lazy("A message was sent to them through the coordinators."),
    "conversation.start": gettext_lazy("A conversation with them was started."),
    "dispute.agree": gettext_lazy("A dispute was settled by agreement."),
    "dispute.decide": gettext_lazy("A panel of coordinators decided a dispute."),
    "dispute.escalate": gettext_lazy("A dispute went to a panel of coordinators."),
    "dispute.mediator": gettext_lazy("A mediator was assigned to a dispute."),
    "dispute.note": gettext_lazy("A note was added to a dispute."),
    "dispute.open": gettext_lazy("A dispute was opened."),
    "exchange.auto_confirm": gettext_lazy(
        "Hours were confirmed automatically: nobody answered in time."
    ),
    "exchange.brokered": gettext_lazy("A coordinator entered an exchange they had arranged."),
    "exchange.concern_close": gettext_lazy("A concern raised after an exchange was closed."),
    "exchange.confirm": gettext_lazy("Hours were confirmed."),
    "exchange.decline": gettext_lazy("Hours were declined."),
    "exchange.dispute": gettext_lazy("An exchange was disputed."),
    "exchange.member": gettext_lazy("Hours were entered."),
    "exchange.paper_slip": gettext_lazy("A coordinator entered hours from a paper slip."),
    "exchange.record": gettext_lazy("Hours were recorded."),
    "exchange.reference": gettext_lazy("A reference was left after an exchange."),
    "exchange.resolve": gettext_lazy("A disputed exchange was settled."),
    "exchange.reverse": gettext_lazy("Hours were reversed."),
    "introduction.make": gettext_lazy("A coordinator introduced them to another member."),
    "listing.close": gettext_lazy("A listing was closed."),
    "listing.create": gettext_lazy("A listing was posted."),
    "listing.expire": gettext_lazy("A listing expired."),
    "listing.image_add": gettext_lazy("A picture was added to a listing."),
    "listing.image_remove": gettext_lazy("A picture was taken off a listing."),
    "listing.remind": gettext_lazy("They were reminded that a listing is about to expire."),
    "listing.renew": gettext_lazy("A listing was renewed."),
    "listing.update": gettext_lazy("A listing was changed."),
    "member.block": gettext_lazy("A member blocked messages between them."),
    "member.unblock": gettext_lazy("A member lifted a block on messages between them."),
    "membership.archive": gettext_lazy("They left the community."),
    "membership.create": gettext_lazy("They joined the community."),
    "membership.rejoin": gettext_lazy("They rejoined the community."),
    "membership.role_grant": gettext_lazy("They were given a role."),
    "membership.role_revoke": gettext_lazy("A role was taken away from them."),
    "message.pass_on": gettext_lazy("A message for them was passed on."),
    "message.report": gettext_lazy("A message was reported to the coordinators."),
    "message.send": gettext_lazy("A message was sent."),
    "neighbourhood.add": gettext_lazy("A neighbourhood was added."),
    "neighbourhood.update": gettext_lazy("A neighbourhood was changed."),
    "notifications.preferences": gettext_lazy("Their choice of notification emails was changed."),
    "partner.archive": gettext_lazy("A spend partner was archived."),
    "partner.create": gettext_lazy("A spend partner was added."),
    "partner.offer_create": gettext_lazy("A spend partner's offer was added."),
    "partner.offer_update": gettext_lazy("A spend partner's offer was changed."),
    "partner.redeem": gettext_lazy("They spent credits at a spend partner."),
    "partner.update": gettext_lazy("A spend partner's details were changed."),
    "person.details": gettext_lazy("Their details were changed."),
    "person.gift_profile": gettext_lazy("Their gift profile was changed."),
    "person.note": gettext_lazy("A coordinator added a note about them."),
    "person.privacy": gettext_lazy("Their privacy settings were changed."),
    "person.pseudonymise": gettext_lazy("Their personal details were removed."),
    "reference.answer": gettext_lazy("A referee answered."),
    "ask.answer": gettext_lazy("An agency answered an ask in public."),
    "commitment.add": gettext_lazy("A commitment was recorded after a decision."),
    "commitment.note": gettext_lazy("Progress on a commitment was written."),
    "decision.outcome": gettext_lazy("What came of a decision was recorded."),
    "decision.review": gettext_lazy("They said whether a decision did what it meant to."),
    "decision.review_asked": gettext_lazy("Members were asked to look back at a decision."),
    "budget.check": gettext_lazy("A project in a budget round was checked."),
    "budget.counted": gettext_lazy("A budget round was counted."),
    "budget.create": gettext_lazy("A budget round was opened."),
    "budget.paid": gettext_lazy("A budget round's winners were paid from the fund."),
    "budget.project": gettext_lazy("They proposed a project in a budget round."),
    "budget.stage": gettext_lazy("A budget round moved on."),
    "budget.vote": gettext_lazy("They voted in a budget round."),
    "budget.vote_changed": gettext_lazy("They changed their ballot in a budget round."),
    "proposal.amendment": gettext_lazy("They suggested an amendment to a proposal."),
    "proposal.comment": gettext_lazy("They commented on a proposal."),
    "proposal.cosign": gettext_lazy("They co-signed a proposal."),
    "proposal.decided": gettext_lazy("A proposal was decided."),
    "proposal.deliberation": gettext_lazy("A proposal went forward for discussion."),
    "proposal.draft": gettext_lazy("They drafted a proposal."),
    "proposal.objection_withdrawn": gettext_lazy("They withdrew an objection to a proposal."),
    "proposal.version": gettext_lazy("A proposal took an amendment as a new version."),
    "proposal.vote": gettext_lazy("They voted on a proposal."),
    "proposal.vote_changed": gettext_lazy("They changed their vote on a proposal."),
    "proposal.voting_open": gettext_lazy("Voting opened on a proposal."),
    "proposal.withdraw": gettext_lazy("They withdrew a proposal."),
    "reference.request": gettext_lazy("A reference was asked for."),
    "referral.create": gettext_lazy("They were referred in."),
    "referral.minimise": gettext_lazy("The contact details of a declined referral were removed."),
    "referral.status": gettext_lazy("A referral moved on."),
    "report.handle": gettext_lazy("A reported message was dealt with."),
    "role.archive": gettext_lazy("A role at an agency was archived."),
    "role.create": gettext_lazy("A role at an agency was added."),
    "role.publish": gettext_lazy("A role at an agency was published."),
    "role.update": gettext_lazy("A role at an agency was changed."),
    "rulebook.change": gettext_lazy("The community's rules were changed."),
    "sensitive.delete": gettext_lazy("Sensitive information was deleted."),
    "sensitive.set": gettext_lazy("Sensitive information was recorded."),
    "session.cancel": gettext_lazy("A session was cancelled."),
    "session.create": gettext_lazy("A session was added."),
    "session.register_confirm": gettext_lazy(
        "A session's register was confirmed and the hours credited."
    ),
    "session.register_save": gettext_lazy("A session's register was saved."),
    "session.remind": gettext_lazy("They were reminded of a session."),
    "session.series_create": gettext_lazy("A series of sessions was added."),
    "session.update": gettext_lazy("A session was changed."),
    "sign_in.code_issue": gettext_lazy("A sign-in letter with a one-time code was made for them."),
    "sign_in.first_password": gettext_lazy("A coordinator set their first password."),
    "sign_in.link_issue": gettext_lazy("A link to choose a password was emailed to them."),
    "sign_in.password_chosen": gettext_lazy("They chose their password."),
    "signup.cancel": gettext_lazy("They cancelled a sign-up to a session."),
    "signup.create": gettext_lazy("They signed up to a session."),
    "signup.promote": gettext_lazy("They moved from the waiting list to a place at a session."),
    "token.create": gettext_lazy("An access token for the API was made."),
    "token.revoke": gettext_lazy("An access token for the API was revoked."),
    "training.record": gettext_lazy("Training was recorded."),
    # Sanctions (issue 12)
    "sanction.create": gettext_lazy("A coordinator recorded a sanction."),
    "sanction.lift": gettext_lazy("A sanction was lifted."),
    "sanction.end": gettext_lazy("A suspension ended."),
    "sanction.exclusion": gettext_lazy("An exclusion was carried out."),
    "appeal.make": gettext_lazy("They appealed a sanction."),
    "appeal.decide": gettext_lazy("The panel decided an appeal."),
    "membership.suspend": gettext_lazy("Their membership was suspended."),
    "membership.reinstate": gettext_lazy("Their membership was active again."),
}

# Who acted when nobody was signed in: the timed jobs, unless the action says otherwise.
WITHOUT_ACTOR = {
    "application.submit": gettext_lazy("By the applicant, on the public form"),
    "reference.answer": gettext_lazy("By the referee, through the link emailed to them"),
}

FIELD_LABELS = {
    "adults": gettext_lazy("Adults"),
    "agency": gettext_lazy("Agency"),
    "alt_text": gettext_lazy("Description of the picture"),
    "capacity": gettext_lazy("Places"),
    "children": gettext_lazy("Children"),
    "completed_on": gettext_lazy("Completed on"),
    "concern_closed_at": gettext_lazy("Closed"),
    "contact_details": gettext_lazy("Contact details"),
    "credited_minutes": gettext_lazy("Hours credited"),
    "credits_go": gettext_lazy("Where the credits go"),
    "data_deleted": gettext_lazy("Information deleted"),
    "duration_minutes": gettext_lazy("Length"),
    "ended_at": gettext_lazy("Ended"),
    "exchange": gettext_lazy("Exchange"),
    "expires_on": gettext_lazy("Expires on"),
    "field": gettext_lazy("Information"),
    "first_start": gettext_lazy("First session"),
    "handled_at": gettext_lazy("Dealt with"),
    "image": gettext_lazy("Picture"),
    "is_archived": gettext_lazy("Archived"),
    "job_title": gettext_lazy("Job title"),
    "kind": gettext_lazy("Kind"),
    "lat": gettext_lazy("Latitude"),
    "lng": gettext_lazy("Longitude"),
    "listing": gettext_lazy("Listing"),
    "message": gettext_lazy("Message"),
    "minutes": gettext_lazy("Hours"),
    "name": gettext_lazy("Name"),
    "number": gettext_lazy("Member number"),
    "offer": gettext_lazy("Offer"),
    "pass_on": gettext_lazy("Passed on"),
    "place": gettext_lazy("Place"),
    "receipt": gettext_lazy("Receipt number"),
    "reminded_at": gettext_lazy("Reminder sent"),
    "result": gettext_lazy("Result"),
    "reversal_transfer": gettext_lazy("Reversing entry in the ledger"),
    "role": gettext_lazy("Role"),
    "roles": gettext_lazy("Roles"),
    "roles_archived": gettext_lazy("Roles archived"),
    "rrule": gettext_lazy("Repeats"),
    "scores": gettext_lazy("Scores"),
    "second": gettext_lazy("Introduced to"),
    "session": gettext_lazy("Session"),
    "sessions": gettext_lazy("Sessions"),
    "slip": gettext_lazy("Paper slip number"),
    "slug": gettext_lazy("Web address"),
    "staff_present": gettext_lazy("Staff present"),
    "status": gettext_lazy("Status"),
    "subject": gettext_lazy("About"),
    "target": gettext_lazy("Referred to"),
    "topic": gettext_lazy("Topic"),
    "transfer": gettext_lazy("Entry in the ledger"),
}

# Changes that name another row by its number (a message, a listing, a transfer).
ROW_FIELDS = {
    "exchange",
    "image",
    "listing",
    "message",
    "offer",
    "reversal_transfer",
    "second",
    "session",
    "subject",
    "transfer",
    "agency",
}
MINUTE_FIELDS = {"minutes", "credited_minutes", "duration_minutes"}
# Choices that are not a column of the row the event is about.
VALUE_CHOICES: dict[str, dict[str, Any]] = {
    "credits_go": dict(RULES["partner_credits_go"].choices or []),
    "role": dict(Role.choices),
    "roles": dict(Role.choices),
    "topic": dict(SensitiveField.choices),
    "field": dict(SensitiveField.choices),
}


@dataclass
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryLine:
    sentence: str
    by: str
    on_behalf_of: str
    note: str
    created_at: dt.datetime
    changes: list[Change] = field(default_factory=list)


def describe(event) -> HistoryLine:
    """An AuditEvent (with `actor` and `on_behalf_of` loaded) in words."""
    sentence = ACTIONS.get(event.action)
    if event.actor is not None:
        by = _("By %(name)s") % {"name": event.actor.display_name}
    else:
        by = str(WITHOUT_ACTOR.get(event.action, gettext_lazy("By the system")))
    model = _model(event.subject_type)
    return HistoryLine(
        sentence=str(sentence)
        if sentence
        else _("Something was recorded (%(action)s).") % {"action": event.action},
        by=by,
        on_behalf_of=event.on_behalf_of.display_name if event.on_behalf_of is not None else "",
        note=event.note,
        created_at=event.created_at,
        changes=[
            Change(
                _label(event.action, name, model),
                _value(event.action, name, model, values[0]),
                _value(event.action, name, model, values[1]),
            )
            for name, values in (event.changes or {}).items()
            if isinstance(values, (list, tuple)) and len(values) == 2
        ],
    )


def _model(subject_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(subject_type)
    except (LookupError, ValueError):
        return None


def _column(model, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _label(action: str, name: str, model) -> str:
    if action == "rulebook.change" and name in RULES:
        return str(RULES[name].label)
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    column = _column(model, name)
    label = str(column.verbose_name) if column is not None else name.replace("_", " ")
    return label[:1].upper() + label[1:]


def _value(action: str, name: str, model, value: Any) -> str:
    if value is None or value == "" or value == []:
        return _("nothing")
    if value == "…":
        return _("(not shown here)")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(_value(action, name, model, item) for item in value)
    if action == "rulebook.change" and name in RULES:
        from .templatetags.coproduce_web import rule_value

        return rule_value(value, name)
    if name in MINUTE_FIELDS and isinstance(value, int):
        return hours(value)
    column = _column(model, name)
    choices = (
        dict(column.flatchoices)
        if column is not None and column.choices
        else VALUE_CHOICES.get(name)
    )
    if choices and not isinstance(value, dict) and value in choices:
        return str(choices[value])
    if isinstance(value, int) and (
        name in ROW_FIELDS or (column is not None and column.is_relation)
    ):
        return _("no. %(number)s") % {"number": value}
    if isinstance(value, str):
        return _when(value) or value
    return str(value)


def _when(text: str) -> str:
    """An ISO date or time, as the pages write dates; '' when it is not one."""
    if len(text) < 10 or text[4:5] != "-":
        return ""
    try:
        if len(text) == 10:
            return formats.date_format(dt.date.fromisoformat(text), "j M Y")
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "j M Y, H:i")
