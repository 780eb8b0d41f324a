"""Local say and commons governance (issue 12): proposals, decision methods, the rulebook by
decision, participatory budgets, commitments, asks to public services, disputes, sanctions."""
