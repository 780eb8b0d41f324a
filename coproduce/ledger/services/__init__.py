"""The only code that writes ledger rows, a module per area: `accounts` (open, close),
`transfers` (`transfer_create` for clients, `post_transfer` inside other services'
transactions), `reservations`, `reversals`; each ends in the one write path, `postings`."""
