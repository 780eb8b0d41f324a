"""Counting ranked ballots: instant run-off over 10,000 ballots and 8 options
(governance/selectors/counting.py), beside a plain count of the same ballots in the same run.

    python bench/bench_counting.py [--ballots 10000] [--options 8] [--runs 7]

The ballots are drawn once with a fixed seed: each ranks from one to all the options, in an order
drawn with weights (some options far more popular than others), so the run-off needs several
rounds. Timed: `counting.ranked` (which counts identical rankings together), and the baseline, the
same run-off written the plain way (every ballot looked at in every round: the reference of
tests/governance/test_counting.py); both must give the same rounds. Target (issue 12): under 1 s.
Prints a markdown table; docs/benchmarks.md has the figures. No database is used."""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from coproduce.governance.selectors import counting  # noqa: E402


def draw(ballots: int, options: list[str], seed: int = 12) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    weights = [1.0 / (i + 1) for i in range(len(options))]
    drawn = []
    for _ in range(ballots):
        left, order = list(options), []
        w = list(weights)
        for _ in range(rng.randint(1, len(options))):
            pick = rng.choices(range(len(left)), weights=w)[0]
            order.append(left.pop(pick))
            w.pop(pick)
        drawn.append(tuple(order))
    return drawn


def plain(ballots, options):
    """The run-off the plain way: every ballot, every round (same tie rule)."""
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
        leader = max(continuing, key=lambda o: (votes[o], -options.index(o)))
        if votes[leader] * 2 > len(ballots) - exhausted or len(continuing) == 1:
            return leader, rounds
        low = min(votes.values())
        tied = [o for o in continuing if votes[o] == low]
        for earlier in reversed(history):
            if len(tied) == 1:
                break
            least = min(earlier[o] for o in tied)
            tied = [o for o in tied if earlier[o] == least]
        history.append(votes)
        continuing.remove(max(tied, key=options.index))


def timed(fn, runs):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), max(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=10_000)
    parser.add_argument("--options", type=int, default=8)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.ballots < 1 or not 2 <= args.options <= 26 or args.runs < 1:
        parser.error("--ballots at least 1, --options 2 to 26, --runs at least 1")
    options = [f"Option {chr(65 + i)}" for i in range(args.options)]
    ballots = draw(args.ballots, options)
    result = counting.ranked(ballots, options=options, electorate=args.ballots, quorum_percent=0)
    winner, rounds = plain(ballots, options)
    assert result.winners == (winner,), (result.winners, winner)
    assert [(r.votes, r.exhausted) for r in result.rounds] == rounds
    ours = timed(
        lambda: counting.ranked(
            ballots, options=options, electorate=args.ballots, quorum_percent=0
        ),
        args.runs,
    )
    base = timed(lambda: plain(ballots, options), args.runs)
    print(
        f"\n{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}; {args.ballots} ballots, "
        f"{args.options} options, {len(set(ballots))} distinct rankings, {len(rounds)} rounds "
        f"(winner {winner}); median and worst of {args.runs} runs.\n"
    )
    print("| count | median ms | worst ms |")
    print("|---|---:|---:|")
    print(f"| `counting.ranked` | {ours[0]:.1f} | {ours[1]:.1f} |")
    print(f"| plain run-off (baseline) | {base[0]:.1f} | {base[1]:.1f} |")
    verdict = "PASS" if ours[0] < 1000 else "MISS"
    target = "target: under 1 s"
    print(f"\nRanked count: {ours[0]:.1f} ms for {args.ballots} ballots ({target}): {verdict}")


if __name__ == "__main__":
    main()
