"""Whose weekly digest is due. The digest itself (what fits each person, the email) is
services/digest.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from ..models import EmailMode, Preference

DIGEST_EVERY = dt.timedelta(days=7)
PEOPLE_PER_RUN = 200


def people_due(now: dt.datetime, *, limit: int = PEOPLE_PER_RUN) -> list[Any]:
    """People whose digest is due: an email address, an active membership, the digest wanted
    (no preference row means the defaults: yes) and none sent in the last week. One query."""
    not_now = Preference.objects.filter(
        Q(weekly_digest=False)
        | Q(email_mode=EmailMode.NONE)
        | Q(last_digest_at__gt=now - DIGEST_EVERY)
    ).values("person_id")
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            is_offline=False,
            pseudonymised_at__isnull=True,
            memberships__status="active",
        )
        .exclude(email__isnull=True)
        .exclude(email="")
        .exclude(pk__in=not_now)
        .distinct()
        .order_by("pk")[:limit]
    )
