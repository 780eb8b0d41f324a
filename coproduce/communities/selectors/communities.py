"""Communities and the rules in force, with the rulebook's history."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from coproduce.core.errors import NotFound

from ..models import Community, RulebookVersion
from .rules import RULES

# The community's clock: its days, "today" and the times people see are in its own zone.


def community_zone(community: Community) -> zoneinfo.ZoneInfo:
    """The community's time zone (Community.timezone, checked when it was set)."""
    return zoneinfo.ZoneInfo(community.timezone)


def local_now(community: Community, at: dt.datetime | None = None) -> dt.datetime:
    """`at` (by default now) as the community's clock shows it."""
    return timezone.localtime(at if at is not None else timezone.now(), community_zone(community))


def local_today(community: Community) -> dt.date:
    """Today's date where the community is, which may not be the server's."""
    return local_now(community).date()


def community_get(slug: str) -> Community:
    try:
        return Community.objects.get(slug=slug)
    except Community.DoesNotExist:
        raise NotFound("No such community.") from None


def communities_listed() -> QuerySet[Community]:
    return Community.objects.filter(is_listed=True).order_by("name", "id")


def rulebook_current(community: Community) -> RulebookVersion:
    version = community.rulebook_versions.order_by("-number").first()
    if version is None:
        raise NotFound("This community has no rulebook yet.")
    return version


def rules_for(community: Community) -> dict[str, Any]:
    """The rules in force: the defaults, overridden by the latest rulebook version. One plain
    query: the ledger reads the rules in every transfer, and composing this through the ORM cost
    more than running it (docs/benchmarks.md). Raises NotFound (no rulebook)."""
    with connection.cursor() as cursor:
        cursor.execute(
            'SELECT "values" FROM communities_rulebookversion WHERE community_id = %s ORDER BY '
            "number DESC LIMIT 1",
            [community.pk],
        )
        row = cursor.fetchone()
    if row is None:
        raise NotFound("This community has no rulebook yet.")
    values = {key: rule.default for key, rule in RULES.items()}
    values.update(
        json.loads(row[0])
    )  # a JSONField comes back from a cursor as text on both databases
    return values


def rulebook_history(community: Community) -> QuerySet[RulebookVersion]:
    return community.rulebook_versions.select_related("changed_by").order_by("-number")


@dataclass
class RuleChange:
    key: str
    old: Any
    new: Any


@dataclass
class RulebookEntry:
    version: RulebookVersion
    changes: list[RuleChange]


def rulebook_history_with_changes(community: Community) -> list[RulebookEntry]:
    """Every rulebook version, newest first, with what it changed from the one before."""
    versions = list(rulebook_history(community))
    entries = []
    for index, version in enumerate(versions):
        previous = versions[index + 1].values if index + 1 < len(versions) else {}
        changes = [
            RuleChange(key, previous.get(key), version.values.get(key))
            for key in RULES
            if index + 1 < len(versions) and previous.get(key) != version.values.get(key)
        ]
        entries.append(RulebookEntry(version, changes))
    return entries
