"""Counting ballots: each decision method a pure function from the ballots to a result that shows
its counting (no database, no clock, no randomness), so a member can check it by hand and the
tests can check it against properties that must hold for any ballots.

The methods (the rulebook names one per kind of proposal):

- `majority`: yes / no / abstain. Adopted when more yes than no. A tie is not adopted (the rule
  in force stays). Abstentions count towards the quorum only.
- `supermajority`: the same ballots; adopted when yes is at least `threshold_percent` of yes and
  no together (two thirds: 67 — percentages are whole numbers, compared in integers).
- `approval`: each ballot approves any number of the options (at least `min_approvals`, at most
  `max_approvals`, when set); each option's count is the ballots approving it; the `seats` options
  with most approvals win. Ties for the last seat: see "Ties" below.
- `consent`: each ballot consents or objects with a reason; objections can be answered and
  withdrawn until close. Adopted unless at least one objection still stands at close.
- `ranked`: instant run-off. Each ballot ranks some or all of the options, best first, no option
  twice. Each round counts every ballot for its highest-ranked option still in the race; an option
  with more than half of the ballots still counting wins; otherwise the option with fewest votes
  is eliminated and its ballots pass to their next choice. A ballot with no option left is
  exhausted and stops counting (shown in each round).

Ties (written down once, the same for every method): a tie to be broken is broken first by the
counts of the earlier rounds, latest first (ranked only: the option that had fewer votes in the
round before is eliminated), then by the order of the options on the ballot paper: the option
listed later loses (is eliminated, or misses the last seat). That order is fixed before voting
opens and shown with the ballot, so the tie rule is known in advance and needs no lot.

Quorum (every method): the ballots cast (abstentions and consents included) must be at least
`quorum_percent` of the active members when voting closed; without it nothing is adopted and no
option wins, whatever the counts.

Percentages are whole numbers and every comparison is made in integers, so a result never turns on
a floating-point rounding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from coproduce.core.errors import ValidationFailed

METHODS = ("majority", "supermajority", "approval", "consent", "ranked")
YES, NO, ABSTAIN = "yes", "no", "abstain"
CONSENT, OBJECT = "consent", "object"


@dataclass(frozen=True)
class Quorum:
    cast: int
    electorate: int
    percent: int

    @property
    def needed(self) -> int:
        """The fewest ballots that meet the quorum (rounded up)."""
        return -(-self.percent * self.electorate // 100)

    @property
    def met(self) -> bool:
        return self.cast * 100 >= self.percent * self.electorate


@dataclass(frozen=True)
class Round:
    """One round of a ranked count: each continuing option's votes, the ballots exhausted so far,
    and what happened (an option elected, or one eliminated and why)."""

    number: int
    votes: dict[str, int]
    exhausted: int
    elected: str | None = None
    eliminated: str | None = None
    tie_broken_by: str | None = None  # "earlier rounds" or "ballot order"


@dataclass(frozen=True)
class Result:
    """What a count found, and how: `counts` (per answer or option), `rounds` (ranked), `lines`
    (the counting in words, in the order it was done)."""

    method: str
    quorum: Quorum
    adopted: bool  # yes/no methods: the proposal passes; option methods: someone won
    winners: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    rounds: tuple[Round, ...] = ()
    lines: tuple[str, ...] = ()


def _bad(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field_name: [message]})


def _check_percent(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise _bad(name, "Give a whole percentage from 0 to 100.")


def _quorum(cast: int, electorate: int, quorum_percent: int) -> Quorum:
    _check_percent("quorum_percent", quorum_percent)
    if isinstance(electorate, bool) or not isinstance(electorate, int) or electorate < 0:
        raise _bad("electorate", "The number of active members is a whole number, 0 or more.")
    return Quorum(cast=cast, electorate=electorate, percent=quorum_percent)


def _quorum_line(quorum: Quorum) -> str:
    verdict = "met" if quorum.met else "not met"
    return (
        f"{quorum.cast} of {quorum.electorate} active members voted; the quorum of "
        f"{quorum.percent}% needs {quorum.needed}: {verdict}."
    )


# Yes / no ----------------------------------------------------------------------------------------


def _yes_no(ballots: Iterable[str]) -> Counter[str]:
    counts: Counter[str] = Counter({YES: 0, NO: 0, ABSTAIN: 0})
    for ballot in ballots:
        if ballot not in counts:
            raise _bad("choice", "Vote yes, no or abstain.")
        counts[ballot] += 1
    return counts


def majority(ballots: Iterable[str], *, electorate: int, quorum_percent: int) -> Result:
    """More yes than no (a tie is not adopted), with the quorum met."""
    return supermajority(
        ballots, electorate=electorate, quorum_percent=quorum_percent, threshold_percent=None
    )


def supermajority(
    ballots: Iterable[str],
    *,
    electorate: int,
    quorum_percent: int,
    threshold_percent: int | None,
) -> Result:
    """Yes at least `threshold_percent` of yes and no together (None: more yes than no), with
    the quorum met."""
    counts = _yes_no(ballots)
    yes, no = counts[YES], counts[NO]
    quorum = _quorum(sum(counts.values()), electorate, quorum_percent)
    lines = [_quorum_line(quorum), f"Yes {yes}, no {no}, abstained {counts[ABSTAIN]}."]
    if threshold_percent is None:
        method, carried = "majority", yes > no
        lines.append(
            "More yes than no." if carried else "Not more yes than no (a tie is not adopted)."
        )
    else:
        _check_percent("threshold_percent", threshold_percent)
        method = "supermajority"
        carried = yes + no > 0 and yes * 100 >= threshold_percent * (yes + no)
        share = f"{yes} of {yes + no}" if yes + no else "no yes or no votes"
        lines.append(
            f"Yes needs at least {threshold_percent}% of yes and no together: {share}, "
            + ("reached." if carried else "not reached.")
        )
    adopted = quorum.met and carried
    lines.append("Adopted." if adopted else "Not adopted.")
    return Result(
        method=method,
        quorum=quorum,
        adopted=adopted,
        counts=dict(counts),
        lines=tuple(lines),
    )


# Options -----------------------------------------------------------------------------------------


def _check_options(options: Sequence[str]) -> None:
    if len(options) < 1 or len(set(options)) != len(options):
        raise _bad("options", "List each option once, at least one.")


def _later_loses(tied: Iterable[str], options: Sequence[str]) -> str:
    """The tied option listed latest on the ballot paper."""
    return max(tied, key=options.index)


def approval(
    ballots: Iterable[Iterable[str]],
    *,
    options: Sequence[str],
    electorate: int,
    quorum_percent: int,
    seats: int = 1,
    min_approvals: int = 1,
    max_approvals: int | None = None,
) -> Result:
    """The `seats` options approved by most ballots win (ties for the last seat: the option
    listed earlier on the ballot paper), with the quorum met."""
    _check_options(options)
    if isinstance(seats, bool) or not isinstance(seats, int) or not 1 <= seats <= len(options):
        raise _bad("seats", f"Choose 1 to {len(options)} winners.")
    known = set(options)
    counts = dict.fromkeys(options, 0)
    cast = 0
    for ballot in ballots:
        chosen = list(ballot)
        if len(set(chosen)) != len(chosen):
            raise _bad("approve", "Approve each option at most once.")
        if not set(chosen) <= known:
            raise _bad("approve", "Approve only options on the ballot.")
        if len(chosen) < min_approvals:
            raise _bad(
                "approve",
                "Approve at least one option."
                if min_approvals == 1
                else f"Approve at least {min_approvals} options.",
            )
        if max_approvals is not None and len(chosen) > max_approvals:
            raise _bad("approve", f"Approve at most {max_approvals} options.")
        cast += 1
        for option in chosen:
            counts[option] += 1
    quorum = _quorum(cast, electorate, quorum_percent)
    ranked = sorted(options, key=lambda o: (-counts[o], options.index(o)))
    winners = tuple(ranked[:seats]) if quorum.met and cast else ()
    lines = [_quorum_line(quorum)]
    lines += [f"{option}: {counts[option]} approvals." for option in ranked]
    if winners and seats < len(options) and counts[ranked[seats - 1]] == counts[ranked[seats]]:
        tied = [o for o in options if counts[o] == counts[ranked[seats - 1]]]
        lines.append(
            f"Tie at {counts[ranked[seats - 1]]} between {', '.join(tied)}: the option listed "
            "earlier on the ballot takes the place."
        )
    lines.append(f"Chosen: {', '.join(winners)}." if winners else "Nothing is chosen.")
    return Result(
        method="approval",
        quorum=quorum,
        adopted=bool(winners),
        winners=winners,
        counts=counts,
        lines=tuple(lines),
    )


@dataclass(frozen=True)
class ConsentBallot:
    """A consent or an objection; an objection stands unless `withdrawn` by the time of close."""

    choice: str  # CONSENT or OBJECT
    withdrawn: bool = False


def consent(ballots: Iterable[ConsentBallot], *, electorate: int, quorum_percent: int) -> Result:
    """Adopted unless an objection still stands at close, with the quorum met."""
    counts = {"consent": 0, "objections standing": 0, "objections withdrawn": 0}
    cast = 0
    for ballot in ballots:
        cast += 1
        if ballot.choice == CONSENT:
            counts["consent"] += 1
        elif ballot.choice == OBJECT:
            counts["objections withdrawn" if ballot.withdrawn else "objections standing"] += 1
        else:
            raise _bad("choice", "Consent, or object with a reason.")
    quorum = _quorum(cast, electorate, quorum_percent)
    standing = counts["objections standing"]
    adopted = quorum.met and standing == 0
    lines = (
        _quorum_line(quorum),
        f"{counts['consent']} consented; {counts['objections withdrawn']} objections were "
        f"withdrawn; {standing} still stand.",
        "Adopted: no objection stands." if adopted else "Not adopted.",
    )
    return Result(method="consent", quorum=quorum, adopted=adopted, counts=counts, lines=lines)


def ranked(
    ballots: Iterable[Sequence[str]],
    *,
    options: Sequence[str],
    electorate: int,
    quorum_percent: int,
) -> Result:
    """Instant run-off, round by round (the module's docstring has the rule and the tie rule)."""
    _check_options(options)
    known = set(options)
    # Identical rankings are counted together: a count of 10,000 ballots walks the distinct ones.
    groups: Counter[tuple[str, ...]] = Counter()
    for ballot in ballots:
        ranking = tuple(ballot)
        if not ranking:
            raise _bad("ranking", "Rank at least one option.")
        if len(set(ranking)) != len(ranking):
            raise _bad("ranking", "Rank each option at most once.")
        if not set(ranking) <= known:
            raise _bad("ranking", "Rank only options on the ballot.")
        groups[ranking] += 1
    cast = sum(groups.values())
    quorum = _quorum(cast, electorate, quorum_percent)
    lines = [_quorum_line(quorum)]
    continuing = list(options)
    history: list[dict[str, int]] = []
    rounds: list[Round] = []
    winner: str | None = None
    while continuing and cast:
        votes = dict.fromkeys(continuing, 0)
        still = set(continuing)
        exhausted = 0
        for ranking, count in groups.items():
            top = next((option for option in ranking if option in still), None)
            if top is None:
                exhausted += count
            else:
                votes[top] += count
        counting = cast - exhausted
        number = len(rounds) + 1
        tally = ", ".join(f"{o} {votes[o]}" for o in sorted(continuing, key=options.index))
        lines.append(f"Round {number}: {tally}; exhausted {exhausted}.")
        leader = max(continuing, key=lambda o: (votes[o], -options.index(o)))
        if votes[leader] * 2 > counting or len(continuing) == 1:
            winner = leader
            rounds.append(Round(number, votes, exhausted, elected=leader))
            lines.append(
                f"{leader} has {votes[leader]} of the {counting} ballots still counting: "
                + ("more than half, elected." if votes[leader] * 2 > counting else "the last left.")
            )
            break
        fewest = min(votes.values())
        tied = [o for o in continuing if votes[o] == fewest]
        broken_by = None
        if len(tied) > 1:
            for earlier in reversed(history):
                low = min(earlier[o] for o in tied)
                narrowed = [o for o in tied if earlier[o] == low]
                if len(narrowed) < len(tied):
                    tied, broken_by = narrowed, "earlier rounds"
                if len(tied) == 1:
                    break
        if len(tied) > 1:
            out, broken_by = _later_loses(tied, options), "ballot order"
        else:
            out = tied[0]
        rounds.append(Round(number, votes, exhausted, eliminated=out, tie_broken_by=broken_by))
        reason = f" (a tie broken by {broken_by})" if broken_by else ""
        lines.append(f"{out} has fewest votes ({fewest}) and is eliminated{reason}.")
        history.append(votes)
        continuing.remove(out)
    winners = (winner,) if winner is not None and quorum.met else ()
    if not cast:
        lines.append("No ballots.")
    lines.append(f"Chosen: {winners[0]}." if winners else "Nothing is chosen.")
    first = rounds[0].votes if rounds else dict.fromkeys(options, 0)
    return Result(
        method="ranked",
        quorum=quorum,
        adopted=bool(winners),
        winners=winners,
        counts=dict(first),
        rounds=tuple(rounds),
        lines=tuple(lines),
    )
