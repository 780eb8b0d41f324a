"""The web interface. Each view: decorators → access helper → one service or selector call →
render or redirect. Refusals from services become form errors or messages, never a 500."""
