"""Writes about communities and people, one module per area (`services/<area>.py`). Each
service is atomic, takes the acting person, writes an audit row, and sends email only after
commit. Import the area module: `from coproduce.communities.services import applications`."""
