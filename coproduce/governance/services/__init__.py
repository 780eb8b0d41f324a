"""Writes of governance, a module per area (proposals, ballots, decisions)."""
