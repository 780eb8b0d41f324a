"""The ledger's own errors. Its other refusals are core's (NotFound, Conflict, ValidationFailed,
PermissionDenied), each with a code such as `account_closed`, `already_posted` or
`already_reversed`."""

from __future__ import annotations

from coproduce.core.errors import ApplicationError


class LimitExceeded(ApplicationError):
    """A posting would take an account past a limit of the community's rulebook."""

    status = 409
    code = "limit_exceeded"


class AppendOnlyError(RuntimeError):
    """Code tried to change or delete a transfer or a posting (a programming error, not a
    request to refuse): a correction is a new reversing transfer."""
