"""Words people read: counts say "1 reference" and "2 references", never "reference(s)"."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "coproduce"
# A word with a bracketed plural ending: "reference(s)", "child(ren)". "http(s)" is an address.
BRACKETED_PLURAL = re.compile(r"\b(?!https?\()[A-Za-z]+\((s|es|ren|ies)\)")


def test_it_says_plurals_properly():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted(ROOT.rglob("*"))
        if path.suffix in {".py", ".html", ".txt"}
        and "static" not in path.parts
        and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BRACKETED_PLURAL.search(line)
    ]
    assert offenders == []
