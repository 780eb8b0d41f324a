"""Co-production's reads, a module per area: agencies (and roles, eligibility), sessions,
register, referrals, partners, assessments, dashboard (the agency's figures and the staff's
home page) and calendars (the iCalendar feeds). Callers import the area module."""
