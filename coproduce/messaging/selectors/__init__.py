"""Reads of messaging, a module per area: `conversations`, `reports`, `blocks`, `pass_on`,
`introductions`, and `broker` (the coordinators' "Needs a person" queue)."""
