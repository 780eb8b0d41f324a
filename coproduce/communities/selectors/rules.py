"""The rules a community sets for itself (Ostrom). Each rule has a type, bounds and a default;
a community's rulebook is a series of versions, each a full set of values."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class RuleDefinition:
    key: str
    label: str
    help: str
    default: Any
    kind: str = "int"  # "int" | "choice" | "optional_int"
    minimum: int | None = None
    maximum: int | None = None
    choices: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    unit: str = ""
    area: str = ""  # one of AREAS: who may change the rule is the rule `change_<area>`


VETTING_LEVELS = {0: "Not yet checked", 1: "ID checked", 2: "Enhanced check"}

# Activity types that can require a vetting level; the level is a rule of the community.
ACTIVITY_TYPES = {
    "group_activity": "Group activity in a public place",
    "one_to_one": "One-to-one help in a public place",
    "home_visit": "Visit to a member's home",
}

_YES_NO_METHODS = (
    ("majority", "Simple majority"),
    ("supermajority", "Supermajority"),
    ("consent", "Consent (passes unless a reasoned objection stands)"),
)
_ALL_METHODS = (
    *_YES_NO_METHODS,
    ("approval", "Approval (several options)"),
    ("ranked", "Ranked choice (instant run-off)"),
)

RULES: dict[str, RuleDefinition] = {
    r.key: r
    for r in [
        RuleDefinition(
            "credit_floor_minutes",
            "Credit floor",
            "The lowest balance a member's account may reach, in minutes (below zero means members "
            "may go into debit: owe hours to the community for a while).",
            -600,
            minimum=-100 * 60,
            maximum=0,
            unit="minutes",
        ),
        RuleDefinition(
            "credit_ceiling_minutes",
            "Credit ceiling",
            "The highest balance a member's account may reach, in minutes; empty for no ceiling.",
            None,
            kind="optional_int",
            minimum=60,
            maximum=1000 * 60,
            unit="minutes",
        ),
        RuleDefinition(
            "auto_confirm_days",
            "Auto-confirm delay",
            "Days after hours are recorded before they are confirmed automatically if the other "
            "person has not answered.",
            14,
            minimum=1,
            maximum=90,
            unit="days",
        ),
        RuleDefinition(
            "max_minutes_per_exchange",
            "Most time in one exchange",
            "The most minutes one exchange may record.",
            8 * 60,
            minimum=15,
            maximum=24 * 60,
            unit="minutes",
        ),
        RuleDefinition(
            "replacement_hourly_rate_pence",
            "Replacement hourly rate",
            "What an hour would cost to buy in, used only to estimate replacement value in reports "
            "(an input, not an outcome).",
            1200,
            minimum=0,
            maximum=100_000,
            unit="pence",
        ),
        RuleDefinition(
            "group_exchange_payer",
            "Who pays for group activities",
            "Whether the hours for a group activity are split among the people helped or paid from "
            "the community fund.",
            "split",
            kind="choice",
            choices=(("split", "Split among the people helped"), ("fund", "The community fund")),
        ),
        RuleDefinition(
            "references_required",
            "References required",
            "How many references an application needs before it can be approved.",
            1,
            minimum=0,
            maximum=5,
        ),
        RuleDefinition(
            "vetting_group_activity",
            "Check level for group activities",
            "The check level a member needs for group activities in a public place.",
            0,
            minimum=0,
            maximum=2,
        ),
        RuleDefinition(
            "vetting_one_to_one",
            "Check level for one-to-one help",
            "The check level a member needs for one-to-one help in a public place.",
            1,
            minimum=0,
            maximum=2,
        ),
        RuleDefinition(
            "vetting_home_visit",
            "Check level for home visits",
            "The check level a member needs to visit another member at home.",
            2,
            minimum=0,
            maximum=2,
        ),
        RuleDefinition(
            "broker_unanswered_days",
            "Days before a coordinator steps in",
            "Requests nobody has answered after this many days, and members whose offers nobody "
            "has taken up this long after joining, are put on the coordinators' 'Needs a person' "
            "list.",
            7,
            minimum=1,
            maximum=90,
            unit="days",
        ),
        RuleDefinition(
            "credits_per_hour_percent",
            "Credits for an hour alongside staff",
            "How many credits an hour of co-production earns, as a percentage of an hour (100 "
            "means one hour earns one hour of credit).",
            100,
            minimum=25,
            maximum=400,
            unit="percent",
        ),
        RuleDefinition(
            "session_credits_from",
            "Who pays for session credits",
            "Whose account the credits for attending a co-production session come from.",
            "agency",
            kind="choice",
            choices=(
                ("agency", "The agency's own account"),
                ("issuance", "New credits issued by the community"),
            ),
        ),
        RuleDefinition(
            "partner_credits_go",
            "What spend partners do with credits",
            "What happens to the credits a spend partner receives when members spend them.",
            "keep",
            kind="choice",
            choices=(
                ("keep", "The partner keeps them"),
                ("fund", "They are given to the community fund"),
                ("retire", "They are retired to issuance"),
            ),
        ),
        # Governance (issue 12): who may propose, how a proposal moves, how each kind is decided.
        RuleDefinition(
            "proposal_member_days",
            "Membership before proposing",
            "How many days someone must have been a member before they may draft a proposal.",
            90,
            minimum=0,
            maximum=3650,
            unit="days",
        ),
        RuleDefinition(
            "proposal_cosigners",
            "Co-signers for a proposal",
            "How many other members must co-sign a draft before it is discussed and voted on.",
            2,
            minimum=0,
            maximum=50,
        ),
        RuleDefinition(
            "deliberation_days",
            "Days of discussion",
            "How long a proposal is discussed, and amendments suggested, before voting opens.",
            7,
            minimum=1,
            maximum=90,
            unit="days",
        ),
        RuleDefinition(
            "voting_days",
            "Days of voting",
            "How long voting stays open.",
            7,
            minimum=1,
            maximum=60,
            unit="days",
        ),
        RuleDefinition(
            "ask_answer_days",
            "Days for a public service to answer",
            "How many days an agency has to answer, in public, an ask the members adopted.",
            28,
            minimum=1,
            maximum=180,
            unit="days",
        ),
        RuleDefinition(
            "decision_review_days",
            "Days before a decision is reviewed",
            "How many days after a proposal is adopted members are asked whether it did what it "
            "meant to.",
            180,
            minimum=7,
            maximum=1095,
            unit="days",
        ),
        RuleDefinition(
            "decision_quorum_percent",
            "Quorum",
            "How many of the active members must vote (abstaining counts), as a percentage.",
            20,
            minimum=0,
            maximum=100,
            unit="percent",
        ),
        RuleDefinition(
            "supermajority_percent",
            "Supermajority",
            "The share of yes and no votes that must be yes where a supermajority is needed.",
            67,
            minimum=51,
            maximum=100,
            unit="percent",
        ),
        # Sanctions (issue 12): the steps a community uses, in order or not, and their times.
        RuleDefinition(
            "sanction_highest_step",
            "Highest sanction",
            "The heaviest step of the graduated sanctions this community uses: reminder, "
            "warning, suspension, exclusion.",
            "exclusion",
            kind="choice",
            choices=(
                ("reminder", "Reminders only"),
                ("warning", "Up to a warning"),
                ("suspension", "Up to a suspension"),
                ("exclusion", "Up to exclusion"),
            ),
        ),
        RuleDefinition(
            "sanction_steps_in_order",
            "Sanctions in order",
            "Whether each sanction may be at most one step heavier than the heaviest standing "
            "one the member has had (no skipping from a reminder to a suspension).",
            "yes",
            kind="choice",
            choices=(("yes", "Yes: one step at a time"), ("no", "No: any step allowed")),
        ),
        RuleDefinition(
            "suspension_days",
            "Length of a suspension",
            "How many days a suspension lasts.",
            28,
            minimum=1,
            maximum=365,
            unit="days",
        ),
        RuleDefinition(
            "appeal_days",
            "Days to appeal",
            "How many days a member has to appeal a sanction.",
            14,
            minimum=1,
            maximum=90,
            unit="days",
        ),
        *[
            RuleDefinition(
                f"method_{kind}",
                f"How {label} are decided",
                f"The decision method for {label}.",
                default,
                kind="choice",
                choices=methods,
            )
            for kind, label, default, methods in (
                ("rule_change", "rule changes", "majority", _YES_NO_METHODS),
                ("fund", "spending from the fund", "majority", _YES_NO_METHODS),
                ("ask", "asks to public services", "majority", _YES_NO_METHODS),
                ("general", "other proposals", "majority", _ALL_METHODS),
            )
        ],
        *[
            RuleDefinition(
                f"ballot_{kind}",
                f"Ballot for {label}",
                f"Whether votes on {label} are secret (who voted is known, never how) or open.",
                "secret",
                kind="choice",
                choices=(("secret", "Secret"), ("open", "Open")),
            )
            for kind, label in (
                ("rule_change", "rule changes"),
                ("fund", "spending from the fund"),
                ("ask", "asks to public services"),
                ("general", "other proposals"),
            )
        ],
    ]
}


# Rules about changing rules (issue 12). Every rule is in one area; the rule `change_<area>` says
# whether a coordinator may change that area's rules alone or only a decision of the members may.
# The rules that say how rules change (the `change_` rules, and the method, ballot, quorum and
# threshold of rule-change decisions) are never changed by a coordinator alone, and a proposal
# that changes one is decided by a supermajority, whatever the method for rule changes says.
AREAS: dict[str, str] = {
    "hours": "Hours and the ledger",
    "membership": "Joining, checks, brokering and sanctions",
    "governance": "Proposals and how they are decided",
}
CHANGING_RULES = "changing"  # the area of the rules about changing rules
_AREA_OF: dict[str, str] = {
    **dict.fromkeys(
        (
            "credit_floor_minutes",
            "credit_ceiling_minutes",
            "auto_confirm_days",
            "max_minutes_per_exchange",
            "replacement_hourly_rate_pence",
            "group_exchange_payer",
            "credits_per_hour_percent",
            "session_credits_from",
            "partner_credits_go",
        ),
        "hours",
    ),
    **dict.fromkeys(
        (
            "references_required",
            "vetting_group_activity",
            "vetting_one_to_one",
            "vetting_home_visit",
            "broker_unanswered_days",
            "sanction_highest_step",
            "sanction_steps_in_order",
            "suspension_days",
            "appeal_days",
        ),
        "membership",
    ),
    **dict.fromkeys(
        (
            "proposal_member_days",
            "proposal_cosigners",
            "deliberation_days",
            "voting_days",
            "ask_answer_days",
            "decision_review_days",
            *(
                f"{prefix}_{kind}"
                for prefix in ("method", "ballot")
                for kind in ("fund", "ask", "general")
            ),
        ),
        "governance",
    ),
    **dict.fromkeys(
        (
            *(f"change_{area}" for area in AREAS),
            "method_rule_change",
            "ballot_rule_change",
            "decision_quorum_percent",
            "supermajority_percent",
        ),
        CHANGING_RULES,
    ),
}
_CHANGE_CHOICES = (
    ("coordinator", "A coordinator or steward alone"),
    ("decision", "Only a decision of the members"),
)
RULES.update(
    {
        f"change_{area}": RuleDefinition(
            f"change_{area}",
            f"Who changes the rules on {label.lower()}",
            f"Whether a coordinator or steward may change the rules on {label.lower()} alone, "
            "or only an adopted proposal may. Changing this needs a supermajority.",
            "coordinator",
            kind="choice",
            choices=_CHANGE_CHOICES,
        )
        for area, label in AREAS.items()
    }
)
RULES = {key: replace(rule, area=_AREA_OF.get(key, rule.area)) for key, rule in RULES.items()}


def area_of(key: str) -> str:
    return RULES[key].area


def is_rule_about_rules(key: str) -> bool:
    """Whether the rule says how rules change: never a coordinator's alone, and a proposal
    changing it is decided by a supermajority."""
    return RULES[key].area == CHANGING_RULES


def default_rules() -> dict[str, Any]:
    return {key: rule.default for key, rule in RULES.items()}


_WHOLE = re.compile(r"^[+-]?[0-9]+$")


def _whole_number(raw: Any) -> int | None:
    """A whole number from an int, a digit string or an integral float; None otherwise."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return int(raw) if math.isfinite(raw) and raw.is_integer() else None
    if isinstance(raw, str) and _WHOLE.match(raw.strip()):
        return int(raw.strip())
    return None


def validate_rules(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """Clean a full or partial set of rule values. Returns (cleaned, field errors)."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key, raw in values.items():
        rule = RULES.get(key)
        if rule is None:
            errors[key] = ["There is no rule with this name."]
            continue
        if rule.kind == "choice":
            allowed = [c for c, _ in rule.choices]
            if raw not in allowed:
                errors[key] = [f"Choose one of: {', '.join(allowed)}."]
            else:
                cleaned[key] = raw
            continue
        if rule.kind == "optional_int" and raw in (None, ""):
            cleaned[key] = None
            continue
        number = _whole_number(raw)
        if number is None:
            errors[key] = ["Enter a whole number."]
            continue
        if rule.minimum is not None and number < rule.minimum:
            errors[key] = [f"Must be at least {rule.minimum}."]
        elif rule.maximum is not None and number > rule.maximum:
            errors[key] = [f"Must be at most {rule.maximum}."]
        else:
            cleaned[key] = number
    return cleaned, errors
