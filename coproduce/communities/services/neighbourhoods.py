"""The named parts of a community's area, with their rough centres."""

from __future__ import annotations

import math
import unicodedata
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record, diff, snapshot
from coproduce.core.errors import Conflict, ValidationFailed

from ..models import Community, Neighbourhood

NEIGHBOURHOOD_NAME_MAX = 80


def _neighbourhood_values(name: Any, lat: Any, lng: Any) -> tuple[str, str, float, float]:
    errors: dict[str, list[str]] = {}
    name = name.strip() if isinstance(name, str) else ""
    slug = slugify(name)[:80]
    if not name:
        errors["name"] = ["Give the neighbourhood a name."]
    elif len(name) > NEIGHBOURHOOD_NAME_MAX:
        errors["name"] = [f"At most {NEIGHBOURHOOD_NAME_MAX} characters."]
    elif any(unicodedata.category(ch) == "Cc" for ch in name):
        errors["name"] = ["Remove the invisible control characters."]
    elif not slug:
        errors["name"] = ["Use some letters or digits in the name."]
    point: list[float] = []
    for field, value, limit in (("lat", lat, 90), ("lng", lng, 180)):
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = math.nan
        if isinstance(value, bool) or not math.isfinite(number):
            errors[field] = ["Give a number, such as 51.5072."]
        elif not -limit <= number <= limit:
            errors[field] = [f"Between -{limit} and {limit}."]
        point.append(round(number, 4) if math.isfinite(number) else 0.0)
    if errors:
        raise ValidationFailed("Please correct the neighbourhood.", fields=errors)
    return name, slug, point[0], point[1]


def _neighbourhood_taken(
    community: Community, name: str, slug: str, exclude: int | None = None
) -> None:
    others = Neighbourhood.objects.filter(community=community)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.filter(slug=slug).exists() or others.filter(name__iexact=name).exists():
        raise Conflict(
            f"There is already a neighbourhood called '{name}'.",
            code="neighbourhood_exists",
            fields={"name": ["Already in the list."]},
        )


def neighbourhood_add(
    *, actor: Actor, community: Community, name: str, lat: Any, lng: Any
) -> Neighbourhood:
    """A coordinator names a part of the community's area and its rough centre, so members can
    search near it. Raises PermissionDenied, ValidationFailed, Conflict (`neighbourhood_exists`)."""
    access.access_coordinate(actor, community)
    name, slug, lat, lng = _neighbourhood_values(name, lat, lng)
    _neighbourhood_taken(community, name, slug)
    try:
        with transaction.atomic(durable=True):
            neighbourhood = Neighbourhood.objects.create(
                community=community, name=name, slug=slug, lat=lat, lng=lng
            )
            audit_record(
                actor=actor,
                action="neighbourhood.add",
                subject=neighbourhood,
                community_id=community.pk,
                changes={"name": [None, name], "lat": [None, lat], "lng": [None, lng]},
            )
    except IntegrityError:
        raise Conflict(
            f"There is already a neighbourhood called '{name}'.",
            code="neighbourhood_exists",
            fields={"name": ["Already in the list."]},
        ) from None
    return neighbourhood


def neighbourhood_update(
    *, actor: Actor, neighbourhood: Neighbourhood, name: str, lat: Any, lng: Any
) -> Neighbourhood:
    """A coordinator renames a neighbourhood or moves its centre. Raises PermissionDenied,
    ValidationFailed, Conflict (`neighbourhood_exists`)."""
    community = neighbourhood.community
    access.access_coordinate(actor, community)
    name, slug, lat, lng = _neighbourhood_values(name, lat, lng)
    _neighbourhood_taken(community, name, slug, exclude=neighbourhood.pk)
    try:
        with transaction.atomic(durable=True):
            locked = Neighbourhood.objects.select_for_update().get(pk=neighbourhood.pk)
            old = snapshot(locked, ["name", "slug", "lat", "lng"])
            locked.name, locked.slug, locked.lat, locked.lng = name, slug, lat, lng
            changes = diff(old, snapshot(locked, ["name", "slug", "lat", "lng"]))
            if changes:
                locked.save(update_fields=["name", "slug", "lat", "lng"])
                audit_record(
                    actor=actor,
                    action="neighbourhood.update",
                    subject=locked,
                    community_id=community.pk,
                    changes=changes,
                )
    except IntegrityError:
        raise Conflict(
            f"There is already a neighbourhood called '{name}'.",
            code="neighbourhood_exists",
            fields={"name": ["Already in the list."]},
        ) from None
    return locked
