"""The web forms, one module per area of `web/views/` (`forms/listings.py` for
`views/listings.py`, ...), and `common.py` for what several areas share. Forms check the shape of
what people type; the services decide whether it is allowed (`common.show_refusal` puts a
service's refusal on the form).

This package re-exports nothing: import a form from its area module."""
