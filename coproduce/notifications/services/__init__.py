"""Writes of notifications, a module per area: `notifications` (notify, resolve, mark read),
`emails` (the email job and its sweep), `preferences`, `digest` (the weekly digest)."""
