"""`Actor`: the person a service acts for, typed once for every app.

Services take `actor: Actor` (a signed-in person: the `AUTH_USER_MODEL`, communities' `Person`), or
`actor: Actor | None` where a system job (a command, a periodic task, an anonymous applicant) calls
them with `actor=None`. core names no domain app, so the alias goes through django-stubs'
`_User`, which its mypy plugin resolves to `settings.AUTH_USER_MODEL`; it exists only for mypy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:
    from django.contrib.auth.models import _User

#: A person: the user model. For parameters naming someone other than the one acting.
User: TypeAlias = "_User"

#: The person acting.
Actor: TypeAlias = User
