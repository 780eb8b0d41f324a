"""Personal access tokens for the API."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.communities import access
from coproduce.core.actors import Actor
from coproduce.core.audit import audit_record
from coproduce.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from coproduce.core.tokens import new_secret, secret_hash

from ..models import AccessToken, Community, Person


def token_create(
    *, actor: Actor, person: Person, name: str, community: Community | None = None
) -> tuple[AccessToken, str]:
    """Create a personal access token; the secret is returned once and stored only as a hash.
    Raises ValidationFailed, PermissionDenied."""
    if actor.pk != person.pk and not getattr(actor, "is_operator", False):
        raise PermissionDenied("You can only create tokens for yourself.")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(
            "Name the token so you can recognise it later.", fields={"name": ["Required."]}
        )
    if community is not None and access.membership_of(person, community) is None:
        raise NotFound("No such community, or you are not a member of it.")
    secret = new_secret("cp_")
    with transaction.atomic(durable=True):
        token = AccessToken.objects.create(
            person=person,
            community=community,
            name=name[:80],
            prefix=secret[:10],
            token_hash=secret_hash(secret),
        )
        audit_record(
            actor=actor,
            action="token.create",
            subject=token,
            person_id=person.pk,
            community_id=community.pk if community else None,
            changes={"name": [None, token.name]},
        )
    return token, secret


def token_revoke(*, actor: Actor, token: AccessToken) -> AccessToken:
    if actor.pk != token.person_id and not getattr(actor, "is_operator", False):
        raise NotFound("No such token.")
    with transaction.atomic(durable=True):
        locked = AccessToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is not None:
            raise Conflict("This token was already revoked.")
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="token.revoke", subject=locked, person_id=locked.person_id)
    return locked


def token_touch(token: AccessToken) -> None:
    """Note when a token was last used, at most once a minute (not a state change worth
    auditing)."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        AccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
