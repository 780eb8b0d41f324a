"""Member numbers, read and written one way for every face: "RIV-0042" is member 42 of the
community whose prefix is RIV. Pure functions (no queries): the lookups are in memberships.py.

- `member_code(community, 42)` -> "RIV-0042" (a prefix string works too);
- `parse_member_code("riv-42")` -> ("RIV", 42), whatever the community;
- `member_number_in(community, ref)`: the number "RIV-0042", "riv-42", "42" or 42 names here;
- `parse_member_ref(community, text, names=True)`: the web's reading, which also finds a number
  inside "Mo Member (RIV-0042)" and otherwise gives the text back as a name to search."""

from __future__ import annotations

import re
from typing import Protocol

from django.utils.translation import gettext as _

from coproduce.core.errors import ValidationFailed

# A member code inside other text, as the web's suggestion list writes it: "Mo Member (RIV-0042)".
CODE_IN_TEXT = re.compile(r"\b([A-Za-z]+)-([0-9]{1,9})\b")
MAX_DIGITS = 9


class HasPrefix(Protocol):
    name: str
    member_prefix: str


class MemberRefRefused(ValidationFailed):
    """Text that cannot name a member of this community: another community's number, or digits
    no member number has."""

    code = "unknown_member"


def member_code(community_or_prefix: HasPrefix | str, number: int) -> str:
    """The member code people see and type: the community's prefix and four digits or more."""
    prefix = (
        community_or_prefix
        if isinstance(community_or_prefix, str)
        else community_or_prefix.member_prefix
    )
    return f"{prefix}-{number:04d}"


def parse_member_code(code: str) -> tuple[str, int] | None:
    """'RIV-0042' -> ('RIV', 42)."""
    prefix, sep, number = code.strip().upper().partition("-")
    if (
        not sep
        or not (prefix.isascii() and prefix.isalpha())
        or not (number.isascii() and number.isdigit() and len(number) <= MAX_DIGITS)
    ):
        return None
    return prefix, int(number)


def member_number_in(community: HasPrefix, text: str | int) -> int | None:
    """The member number that "RIV-0042", "riv-42" or a bare "42" (or 42) names in this community;
    None for anything else, a number with another community's prefix included."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text if 0 < text < 10**MAX_DIGITS else None
    text = str(text).strip()
    if text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS:
        return int(text)
    parsed = parse_member_code(text)
    if parsed is None or parsed[0] != community.member_prefix.upper():
        return None
    return parsed[1]


def parse_member_ref(community: HasPrefix, text: str) -> int | str:
    """The web's reading of a member field: the member number of a code anywhere in the text
    ("RIV-0042", "riv-42", "Mo Member (RIV-0042)"), or of bare digits ("42"); otherwise the
    stripped text, a name to search. Raises MemberRefRefused for another community's code or for
    digits no member number has."""
    text = text.strip()
    code = CODE_IN_TEXT.search(text)
    if code:
        if code.group(1).upper() != community.member_prefix:
            raise MemberRefRefused(
                _("%(code)s is not a member number in %(community)s.")
                % {"code": code.group(0).upper(), "community": community.name}
            )
        return int(code.group(2))
    if text.isdigit():
        if not (text.isascii() and len(text) <= MAX_DIGITS):
            raise MemberRefRefused(no_such_number(community, text))
        return int(text)
    return text


def no_such_number(community: HasPrefix, text: str) -> str:
    return _("There is no member number %(text)s in %(community)s.") % {
        "text": text,
        "community": community.name,
    }
