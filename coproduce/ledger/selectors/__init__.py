"""Reads of the ledger, a module per area: `accounts`, `statements` (and the fund's page),
`transfers`, `amounts` (how minutes are shown), `chain` (the hash chain) and `audit` (what
`coproduce audit` runs)."""
