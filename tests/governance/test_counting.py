"""The decision methods (governance/selectors/counting.py): worked examples, the tie rule as
written, bad ballots refused, and properties that must hold for any ballots (hypothesis)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.core.errors import ValidationFailed
from coproduce.governance.selectors import counting
from coproduce.governance.selectors.counting import ConsentBallot

OPTIONS = ("A", "B", "C", "D", "E")


def ranked(ballots, options=OPTIONS, electorate=None, quorum=0):
    ballots = list(ballots)
    return counting.ranked(
        ballots,
        options=options,
        electorate=len(ballots) if electorate is None else electorate,
        quorum_percent=quorum,
    )


# Worked examples ---------------------------------------------------------------------------------


def test_the_tennessee_capital_example_elects_knoxville():
    """The textbook run-off: Memphis leads on first preferences, Knoxville wins."""
    m, n, c, k = "Memphis", "Nashville", "Chattanooga", "Knoxville"
    ballots = [(m, n, c, k)] * 42 + [(n, c, k, m)] * 26 + [(c, k, n, m)] * 15 + [(k, c, n, m)] * 17
    result = ranked(ballots, options=(m, n, c, k))
    assert result.winners == (k,)
    assert [r.eliminated for r in result.rounds[:-1]] == [c, n]
    assert result.rounds[0].votes == {m: 42, n: 26, c: 15, k: 17}
    assert result.rounds[1].votes == {m: 42, n: 26, k: 32}
    assert result.rounds[2].votes == {m: 42, k: 58}
    assert result.lines[-1] == f"Chosen: {k}."


def test_majority_and_supermajority_count_yes_against_no():
    ballots = ["yes"] * 6 + ["no"] * 3 + ["abstain"] * 5
    assert counting.majority(ballots, electorate=20, quorum_percent=50).adopted
    two_thirds = counting.supermajority(
        ballots, electorate=20, quorum_percent=50, threshold_percent=67
    )
    assert not two_thirds.adopted  # 6 of 9 is 66.7%
    assert counting.supermajority(
        ballots, electorate=20, quorum_percent=50, threshold_percent=66
    ).adopted
    tie = counting.majority(["yes", "no"], electorate=2, quorum_percent=0)
    assert not tie.adopted and "a tie is not adopted" in tie.lines[2]


def test_the_quorum_is_a_share_of_active_members_in_whole_numbers():
    ballots = ["yes"] * 4
    assert counting.majority(ballots, electorate=20, quorum_percent=20).adopted  # 4 of 20
    short = counting.majority(ballots, electorate=21, quorum_percent=20)  # needs 5 (4.2 up)
    assert not short.adopted and short.quorum.needed == 5 and not short.quorum.met
    assert "not met" in short.lines[0]
    assert ranked([("A",)] * 4, electorate=21, quorum=20).winners == ()
    abstained = counting.majority(["yes"] + ["abstain"] * 3, electorate=20, quorum_percent=20)
    assert abstained.adopted  # abstentions count towards the quorum


def test_consent_passes_unless_an_objection_stands():
    ballots = [ConsentBallot("consent")] * 5 + [ConsentBallot("object", withdrawn=True)]
    assert counting.consent(ballots, electorate=6, quorum_percent=50).adopted
    ballots.append(ConsentBallot("object"))
    result = counting.consent(ballots, electorate=7, quorum_percent=50)
    assert not result.adopted and result.counts["objections standing"] == 1


def test_approval_chooses_the_most_approved_and_breaks_a_tie_by_ballot_order():
    ballots = [("A", "B"), ("B", "C"), ("C",), ("B",), ("A", "C")]
    result = counting.approval(ballots, options=("A", "B", "C"), electorate=5, quorum_percent=0)
    assert result.counts == {"A": 2, "B": 3, "C": 3}
    assert result.winners == ("B",)  # B and C tie at 3: B is listed first
    assert any("Tie at 3 between B, C" in line for line in result.lines)
    two = counting.approval(
        ballots, options=("C", "B", "A"), electorate=5, quorum_percent=0, seats=2
    )
    assert two.winners == ("C", "B")


def test_a_ranked_tie_is_broken_by_earlier_rounds_then_by_ballot_order():
    # Round 1: A 4, B 3, C 2, D 2 -> C and D tie; neither had an earlier round: D (later) goes.
    ballots = [("A",)] * 4 + [("B",)] * 3 + [("C", "B")] * 2 + [("D", "C")] * 2
    result = ranked(ballots, options=("A", "B", "C", "D"))
    assert result.rounds[0].eliminated == "D" and result.rounds[0].tie_broken_by == "ballot order"
    # Round 2: A 4, B 3, C 4 -> B goes (its ballots are exhausted); round 3: A 4, C 4 of 8
    # counting: a tie, and in round 1 C had fewer (2 to 4): C goes, A is elected.
    assert result.rounds[1].eliminated == "B"
    assert result.rounds[2].eliminated == "C" and result.rounds[2].tie_broken_by == "earlier rounds"
    assert result.winners == ("A",)
    # Earlier rounds decide before ballot order: C and B tie in round 2 at 3, B had fewer in 1.
    ballots = [("A",)] * 5 + [("B",)] * 2 + [("C",)] * 3 + [("D", "B")] * 1 + [("E",)] * 1
    result = ranked(ballots, options=("A", "B", "C", "D", "E"))
    assert [r.eliminated for r in result.rounds[:2]] == ["E", "D"]
    assert result.rounds[0].tie_broken_by == "ballot order"
    assert result.rounds[2].votes == {"A": 5, "B": 3, "C": 3}
    assert result.rounds[2].eliminated == "B" and result.rounds[2].tie_broken_by == "earlier rounds"


@pytest.mark.parametrize(
    "ballot, message",
    [
        (("A", "A"), "Rank each option at most once."),
        (("A", "Z"), "Rank only options on the ballot."),
        ((), "Rank at least one option."),
    ],
)
def test_a_bad_ranking_is_refused_naming_the_field(ballot, message):
    with pytest.raises(ValidationFailed) as refused:
        ranked([("A", "B"), ballot])
    assert refused.value.fields == {"ranking": [message]}


def test_bad_approvals_and_bad_numbers_are_refused():
    with pytest.raises(ValidationFailed) as refused:
        counting.approval([()], options=OPTIONS, electorate=1, quorum_percent=0)
    assert refused.value.fields == {"approve": ["Approve at least one option."]}
    with pytest.raises(ValidationFailed):
        counting.approval(
            [("A", "B")], options=OPTIONS, electorate=1, quorum_percent=0, max_approvals=1
        )
    with pytest.raises(ValidationFailed):
        counting.approval([("A", "A")], options=OPTIONS, electorate=1, quorum_percent=0)
    with pytest.raises(ValidationFailed):
        counting.majority(["maybe"], electorate=1, quorum_percent=0)
    for bad in (-1, 101, True, 50.0):
        with pytest.raises(ValidationFailed):
            counting.majority(["yes"], electorate=1, quorum_percent=bad)
    with pytest.raises(ValidationFailed):
        ranked([("A",)], options=("A", "A"))


# Properties --------------------------------------------------------------------------------------


def rankings(options=OPTIONS):
    return st.permutations(options).flatmap(
        lambda order: st.integers(1, len(order)).map(lambda n: tuple(order[:n]))
    )


def reference_run_off(ballots, options):
    """Instant run-off written the plain way, ballot by ballot, with the same tie rule."""
    continuing, history, rounds = list(options), [], []
    while True:
        votes = dict.fromkeys(continuing, 0)
        exhausted = 0
        for ballot in ballots:
            top = next((o for o in ballot if o in continuing), None)
            if top is None:
                exhausted += 1
            else:
                votes[top] += 1
        rounds.append((votes, exhausted))
        counting_now = len(ballots) - exhausted
        leader = max(continuing, key=lambda o: (votes[o], -options.index(o)))
        if votes[leader] * 2 > counting_now or len(continuing) == 1:
            return leader, rounds
        low = min(votes.values())
        tied = [o for o in continuing if votes[o] == low]
        for earlier in reversed(history):
            if len(tied) == 1:
                break
            least = min(earlier[o] for o in tied)
            tied = [o for o in tied if earlier[o] == least]
        out = max(tied, key=options.index)
        history.append(votes)
        continuing.remove(out)


@settings(max_examples=300, deadline=None)
@given(st.lists(rankings(), min_size=1, max_size=60), st.randoms(use_true_random=False))
def test_a_run_off_is_the_plain_count_whatever_the_order_of_the_ballots(ballots, rng):
    result = ranked(ballots)
    shuffled = list(ballots)
    rng.shuffle(shuffled)
    assert ranked(shuffled) == result
    winner, rounds = reference_run_off(ballots, OPTIONS)
    assert result.winners == (winner,)
    assert [(r.votes, r.exhausted) for r in result.rounds] == rounds
    for r in result.rounds:  # the published counts re-add to the ballots
        assert sum(r.votes.values()) + r.exhausted == len(ballots)
    gone = [r.eliminated for r in result.rounds if r.eliminated]
    assert len(gone) == len(set(gone)) and winner not in gone


@settings(max_examples=300, deadline=None)
@given(st.lists(rankings(), min_size=1, max_size=60))
def test_a_majority_of_first_preferences_wins_the_run_off(ballots):
    firsts = {o: sum(1 for b in ballots if b[0] == o) for o in OPTIONS}
    leader = max(firsts, key=firsts.get)
    result = ranked(ballots)
    if firsts[leader] * 2 > len(ballots):
        assert result.winners == (leader,) and len(result.rounds) == 1


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(["yes", "no", "abstain"]), max_size=80),
    st.integers(0, 100),
    st.integers(0, 100),
    st.integers(0, 200),
)
def test_yes_no_counts_re_add_and_do_not_depend_on_order(ballots, threshold, quorum, electorate):
    electorate = max(electorate, len(ballots))
    result = counting.supermajority(
        ballots, electorate=electorate, quorum_percent=quorum, threshold_percent=threshold
    )
    assert sum(result.counts.values()) == len(ballots) == result.quorum.cast
    again = counting.supermajority(
        list(reversed(ballots)),
        electorate=electorate,
        quorum_percent=quorum,
        threshold_percent=threshold,
    )
    assert again == result
    yes, no = result.counts["yes"], result.counts["no"]
    assert result.adopted == (
        result.quorum.met and yes + no > 0 and yes / (yes + no) >= threshold / 100 - 1e-12
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sets(st.sampled_from(OPTIONS), min_size=1), min_size=1, max_size=50),
    st.integers(1, len(OPTIONS)),
)
def test_approval_counts_re_add_and_winners_lead(ballots, seats):
    result = counting.approval(
        [sorted(b) for b in ballots],
        options=OPTIONS,
        electorate=len(ballots),
        quorum_percent=0,
        seats=seats,
    )
    assert sum(result.counts.values()) == sum(len(b) for b in ballots)
    assert len(result.winners) == seats
    losers = [o for o in OPTIONS if o not in result.winners]
    assert all(result.counts[w] >= result.counts[o] for w in result.winners for o in losers)
    shuffled = list(ballots)
    random.Random(4).shuffle(shuffled)
    assert (
        counting.approval(
            [sorted(b) for b in shuffled],
            options=OPTIONS,
            electorate=len(ballots),
            quorum_percent=0,
            seats=seats,
        )
        == result
    )
