"""API routes, one module per area. Each view: parse → access helper → one service or selector
call → schema."""
