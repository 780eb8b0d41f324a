"""The Riverside demo, built through the real services, one module per app it fills:
`communities` (the people, first), then `coproduction` (agencies, sessions; its dated ledger
events are handed to) `exchanges` (a year of history, then listings), then `messaging`
(conversations). `coproduce demo` runs them in that order."""
