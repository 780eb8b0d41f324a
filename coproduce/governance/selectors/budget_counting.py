"""The counting of a participatory budget: a pure function from the eligible projects, the
approval ballots and the budget to the projects funded, with the counting shown step by step
(no database, clock or randomness), so a member can check it by hand.

The rule, the greedy one most participatory budgets use:
1. Count each eligible project's approvals (a ballot approves any number of projects).
2. Order the projects by approvals, most first; a tie goes to the cheaper project, then to the
   one proposed first (the lower number).
3. Go down that order with the whole budget: fund each project that fits in what is left, and
   skip one that does not fit (saying how much was left), carrying on down the list, so a
   cheaper project lower down can still be funded.
A project nobody approved is not funded."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from coproduce.core.errors import ValidationFailed

RULE = (
    "Projects are ordered by approvals, most first; a tie goes to the cheaper project, then to "
    "the one proposed first. Going down that order, each project that fits in the budget still "
    "left is funded; one that does not fit is skipped and the count carries on. A project with "
    "no approvals is not funded."
)


def show_hours(minutes: int) -> str:
    """Minutes as people read them: "3 h", "2 h 30 min", "45 min"."""
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


@dataclass(frozen=True)
class Candidate:
    number: int
    title: str
    cost_minutes: int


@dataclass(frozen=True)
class Row:
    """One project in the order it was considered."""

    place: int
    number: int
    title: str
    cost_minutes: int
    approvals: int
    funded: bool
    left_before_minutes: int
    left_after_minutes: int
    why: str


@dataclass(frozen=True)
class BudgetResult:
    budget_minutes: int
    ballots: int
    rows: list[Row]
    funded: list[int]  # project numbers, in the order they were funded
    spent_minutes: int
    left_minutes: int
    lines: list[str]

    def as_stored(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={"approve": [message]})


def check_approvals(approved: Iterable[Any], numbers: set[int]) -> list[int]:
    """One ballot's approvals: at least one, each an eligible project's number, none twice.
    Raises ValidationFailed naming `approve`."""
    chosen = list(approved)
    if not chosen:
        raise _bad("Approve at least one project.")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in chosen):
        raise _bad("Name the projects by their numbers.")
    if len(set(chosen)) != len(chosen):
        raise _bad("Approve each project once.")
    unknown = sorted(n for n in chosen if n not in numbers)
    if unknown:
        raise _bad(
            "Not a project on this ballot: " + ", ".join(str(n) for n in unknown) + ". Only "
            "projects checked as eligible are voted on."
        )
    return sorted(chosen)


def greedy(
    candidates: Sequence[Candidate], ballots: Iterable[Iterable[int]], budget_minutes: int
) -> BudgetResult:
    """Count approval ballots and fund projects by the greedy rule (see the module's
    docstring). Every ballot is checked as `check_approvals` checks it. Raises ValidationFailed
    (`approve`)."""
    numbers = {c.number for c in candidates}
    approvals = dict.fromkeys(numbers, 0)
    cast = 0
    for ballot in ballots:
        for number in check_approvals(ballot, numbers):
            approvals[number] += 1
        cast += 1
    order = sorted(candidates, key=lambda c: (-approvals[c.number], c.cost_minutes, c.number))
    left = budget_minutes
    rows: list[Row] = []
    funded: list[int] = []
    lines = [
        f"Budget: {show_hours(budget_minutes)}. Ballots: {cast}. "
        f"Eligible projects: {len(candidates)}.",
        RULE,
    ]
    for place, project in enumerate(order, start=1):
        votes = approvals[project.number]
        before = left
        if votes == 0:
            fits, why = False, "no approvals"
        elif project.cost_minutes <= left:
            fits, why = True, "funded"
            left -= project.cost_minutes
            funded.append(project.number)
        else:
            fits, why = False, f"did not fit: {show_hours(left)} left"
        rows.append(
            Row(
                place=place,
                number=project.number,
                title=project.title,
                cost_minutes=project.cost_minutes,
                approvals=votes,
                funded=fits,
                left_before_minutes=before,
                left_after_minutes=left,
                why=why,
            )
        )
        lines.append(
            f"{place}. Project {project.number}, {project.title}: {votes} approvals, costs "
            f"{show_hours(project.cost_minutes)}: {why}"
            + (f"; {show_hours(left)} left." if fits else ".")
        )
    spent = budget_minutes - left
    lines.append(
        f"Funded {len(funded)} of {len(candidates)}: {show_hours(spent)} spent, "
        f"{show_hours(left)} left in the fund."
    )
    return BudgetResult(
        budget_minutes=budget_minutes,
        ballots=cast,
        rows=rows,
        funded=funded,
        spent_minutes=spent,
        left_minutes=left,
        lines=lines,
    )
