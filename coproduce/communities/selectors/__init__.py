"""Reads about communities and people, one module per area (`selectors/<area>.py`), each
preloading what its pages show, so a page's query count stays fixed however many rows it shows.
Import the area module: `from coproduce.communities.selectors import memberships`."""
