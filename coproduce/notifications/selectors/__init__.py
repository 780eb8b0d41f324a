"""Reads of notifications, a module per area: `notifications` (a person's own), `preferences`,
`digest` (whose weekly digest is due)."""
