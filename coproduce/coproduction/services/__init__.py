"""Co-production's writes, a module per area: agencies (and roles, staff, training), sessions
(and series, sign-ups, reminders), register, referrals, partners (and offers, redemption),
assessments. Callers import the area module."""
