"""Writes of messaging, a module per area: `conversations` (start, reply, writing for a member),
`introductions`, `pass_on` (messages carried to members who are offline), `blocks`, `reports`."""
