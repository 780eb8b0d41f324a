"""Every read about exchanges and listings, a module per area: exchanges, references, listings,
search, matching (suggested matches), semantic (the optional embedding matcher), images and
lexicon. Callers import the area module."""
