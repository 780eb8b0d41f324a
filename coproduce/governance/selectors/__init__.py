"""Reads of governance, a module per area (counting: the decision methods)."""
