"""Personal access tokens: a person's list, and the token behind a secret."""

from __future__ import annotations

from django.db.models import QuerySet

from coproduce.core.errors import NotFound
from coproduce.core.tokens import secret_hash

from ..models import AccessToken, Person


def tokens_of(person: Person) -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(person=person).select_related("community")


def token_authenticate(secret: str) -> AccessToken | None:
    if not secret:
        return None
    token = (
        AccessToken.objects.select_related("person", "community")
        .filter(token_hash=secret_hash(secret), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.person.is_active:
        return None
    return token


def token_get(person: Person, token_id: int) -> AccessToken:
    try:
        return AccessToken.objects.get(person=person, pk=token_id)
    except AccessToken.DoesNotExist:
        raise NotFound("No such token.") from None
