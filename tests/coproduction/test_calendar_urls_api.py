"""The API gives the iCalendar feeds as `calendar_url`: each agency's (agency list and agency),
and each member's own feed of the sessions they are booked on (GET /api/v1/me, per community)."""

from __future__ import annotations

from urllib.parse import urlsplit

from coproduce.coproduction.services import sessions

from ..api.conftest import bearer

AGENCIES = "/api/v1/communities/riverside/agencies"


def _feed(client, url: str) -> str:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return response.content.decode()


def test_an_agency_has_its_calendar_url(client, member, agency, session):
    detail = client.get(f"{AGENCIES}/{agency.slug}", headers=bearer(member))
    assert detail.status_code == 200
    url = detail.json()["calendar_url"]
    assert url.endswith(f"/c/riverside/agencies/{agency.slug}/sessions.ics")
    assert [
        a["calendar_url"] for a in client.get(AGENCIES, headers=bearer(member)).json()["items"]
    ] == [url]
    assert "Peer supporter" in _feed(client, url)


def test_a_member_has_their_own_calendar_url(client, member, other_member, session):
    sessions.signup_create(actor=member, session=session)
    (mine,) = client.get("/api/v1/me", headers=bearer(member)).json()["memberships"]
    (theirs,) = client.get("/api/v1/me", headers=bearer(other_member)).json()["memberships"]
    assert mine["calendar_url"] != theirs["calendar_url"]
    assert "/c/riverside/calendar/" in mine["calendar_url"]
    assert "Peer supporter" in _feed(client, mine["calendar_url"])
    assert "Peer supporter" not in _feed(client, theirs["calendar_url"])  # nothing booked
