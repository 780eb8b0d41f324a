"""The referral and self-assessment API: coordinators get the full view, agency staff the
outcome view (no contact details ever), refusals in the one error format with nothing stored."""

from __future__ import annotations

import datetime as dt

from coproduce.coproduction.models import Assessment, Referral, ReferralEvent
from coproduce.coproduction.selectors import assessments
from coproduce.coproduction.services import referrals

from ..api.conftest import bearer

PRIVATE = ("07700 900123", "pat@example.org", "Feels lonely", "Agreed in clinic", "Rang her")


def body(**kw) -> dict:
    data = {
        "agency": "riverside-health-centre",
        "target": "community",
        "full_name": "Pat Patient",
        "phone": "07700 900123",
        "email": "pat@example.org",
        "what_matters": "Feels lonely",
        "consent_given": True,
        "consent_note": "Agreed in clinic on 3 May",
    }
    data.update(kw)
    return data


def make(actor, agency, **kw):
    values = {k: v for k, v in body(**kw).items() if k != "agency"}
    return referrals.referral_create(actor=actor, agency=agency, **values)


def test_it_takes_a_referral_from_staff_and_answers_with_the_outcome_view(
    client, agency, agency_admin, coordinator
):
    response = client.post(
        "/api/v1/communities/riverside/referrals",
        body(),
        content_type="application/json",
        headers=bearer(agency_admin),
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["view"] == "outcome" and data["status"] == "referred"
    assert data["full_name"] is None and data["phone"] is None and data["what_matters"] is None
    assert Referral.objects.count() == 1


def test_it_refuses_a_referral_without_consent_or_contact(
    client, agency, agency_admin, role, other_community
):
    url = "/api/v1/communities/riverside/referrals"
    headers = bearer(agency_admin)
    refused = client.post(
        url, body(consent_given=False), content_type="application/json", headers=headers
    )
    assert refused.status_code == 422
    assert refused.json()["error"]["code"] == "consent_required"
    assert "needs their consent" in refused.json()["error"]["message"]
    refused = client.post(
        url, body(consent_given="yes"), content_type="application/json", headers=headers
    )
    assert refused.status_code == 422
    refused = client.post(
        url, body(phone="", email=""), content_type="application/json", headers=headers
    )
    assert refused.status_code == 422 and "phone" in refused.json()["error"]["fields"]
    refused = client.post(
        url,
        body(target="role", role_id=role.pk + 1000),
        content_type="application/json",
        headers=headers,
    )
    assert refused.status_code == 422 and "role_id" in refused.json()["error"]["fields"]
    refused = client.post(
        url, body(agency="nowhere"), content_type="application/json", headers=headers
    )
    assert refused.status_code == 422 and "agency" in refused.json()["error"]["fields"]
    assert not Referral.objects.exists()


def test_it_refuses_referrals_from_members_who_are_not_staff(client, agency, member, other_member):
    url = "/api/v1/communities/riverside/referrals"
    assert (
        client.post(
            url, body(), content_type="application/json", headers=bearer(member)
        ).status_code
        == 403
    )
    assert client.get(url, headers=bearer(member)).status_code == 403
    assert client.get(url, headers=bearer(other_member)).status_code == 404
    assert not Referral.objects.exists()


def test_it_never_gives_the_referrer_contact_details(client, agency, agency_admin, coordinator):
    quiet = make(agency_admin, agency)
    make(agency_admin, agency, full_name="Nia Named", share_with_referrer="name")
    referrals.referral_update_status(
        actor=coordinator, referral=quiet, status="contacted", note="Rang her"
    )
    listed = client.get("/api/v1/communities/riverside/referrals", headers=bearer(agency_admin))
    one = client.get(
        f"/api/v1/communities/riverside/referrals/{quiet.pk}", headers=bearer(agency_admin)
    )
    for response in (listed, one):
        assert response.status_code == 200
        for private in (*PRIVATE, "Pat Patient"):
            assert private not in response.content.decode()
    names = [item["full_name"] for item in listed.json()["items"]]
    assert names == ["Nia Named", None]
    assert [e["status"] for e in one.json()["events"]] == ["referred", "contacted"]


def test_it_gives_coordinators_everything_and_pages(client, agency, agency_admin, coordinator):
    for i in range(3):
        make(agency_admin, agency, full_name=f"Person {i}")
    headers = bearer(coordinator)
    first = client.get("/api/v1/communities/riverside/referrals?limit=2", headers=headers).json()
    assert [i["full_name"] for i in first["items"]] == ["Person 2", "Person 1"]
    assert first["items"][0]["view"] == "full" and first["items"][0]["phone"] == "07700 900123"
    rest = client.get(
        f"/api/v1/communities/riverside/referrals?limit=2&cursor={first['next_cursor']}",
        headers=headers,
    ).json()
    assert [i["full_name"] for i in rest["items"]] == ["Person 0"] and rest["next_cursor"] is None


def test_it_lets_coordinators_move_a_referral_on_and_refuses_illegal_moves(
    client, agency, agency_admin, coordinator, member, membership_of
):
    referral = make(agency_admin, agency)
    url = f"/api/v1/communities/riverside/referrals/{referral.pk}/status"
    staff = client.post(
        url, {"status": "contacted"}, content_type="application/json", headers=bearer(agency_admin)
    )
    assert staff.status_code == 403
    headers = bearer(coordinator)
    number = membership_of(member, agency.community).number
    joined = client.post(
        url,
        {"status": "joined", "member_number": f"RIV-{number:04d}", "note": "Came Tuesday"},
        content_type="application/json",
        headers=headers,
    )
    assert joined.status_code == 200, joined.json()
    assert (
        joined.json()["member_number"] == number
        and "Came Tuesday" in joined.json()["coordinator_note"]
    )
    events = ReferralEvent.objects.count()
    for bad in ("contacted", "declined", "joined"):
        refused = client.post(
            url,
            {"status": bad, "member_number": number},
            content_type="application/json",
            headers=headers,
        )
        assert (
            refused.status_code == 409 and refused.json()["error"]["code"] == "status_not_allowed"
        )
    assert (
        client.post(
            url, {"status": "referred"}, content_type="application/json", headers=headers
        ).status_code
        == 422
    )
    assert ReferralEvent.objects.count() == events


def scores_body(value=2, **kw) -> dict:
    data = {
        "completed_on": "2026-03-01",
        "note": "First go",
        "scores": [
            {"principle": p, "level": level, "score": value} for p, level in assessments.PAIRS
        ],
    }
    data.update(kw)
    return data


def test_it_records_and_lists_self_assessments(client, agency, agency_admin):
    url = "/api/v1/communities/riverside/agencies/riverside-health-centre/assessments"
    headers = bearer(agency_admin)
    made = client.post(url, scores_body(), content_type="application/json", headers=headers)
    assert made.status_code == 201, made.json()
    assert made.json()["total"] == 36 and made.json()["averages"]["assets"] == 2.0
    listed = client.get(url, headers=headers).json()
    assert [a["id"] for a in listed["items"]] == [made.json()["id"]]
    assert len(listed["items"][0]["scores"]) == 18


def test_it_refuses_missing_out_of_range_or_repeated_scores(client, agency, agency_admin):
    url = "/api/v1/communities/riverside/agencies/riverside-health-centre/assessments"
    headers = bearer(agency_admin)
    missing = scores_body()
    missing["scores"] = missing["scores"][1:]
    refused = client.post(url, missing, content_type="application/json", headers=headers)
    assert refused.status_code == 422
    assert "assets.individual" in refused.json()["error"]["fields"]
    assert "Recognising people as assets (individual level)" in refused.json()["error"]["message"]
    out_of_range = scores_body()
    out_of_range["scores"][0]["score"] = 5
    assert (
        client.post(url, out_of_range, content_type="application/json", headers=headers).status_code
        == 422
    )
    twice = scores_body()
    twice["scores"][-1] = dict(twice["scores"][0])
    assert (
        client.post(url, twice, content_type="application/json", headers=headers).status_code == 422
    )
    future = scores_body(completed_on=(dt.date.today() + dt.timedelta(days=30)).isoformat())
    assert (
        client.post(url, future, content_type="application/json", headers=headers).status_code
        == 422
    )
    assert not Assessment.objects.exists()


def test_it_keeps_self_assessments_from_members_and_outsiders(
    client, agency, agency_admin, member, other_member
):
    url = "/api/v1/communities/riverside/agencies/riverside-health-centre/assessments"
    assert client.get(url, headers=bearer(member)).status_code == 403
    assert (
        client.post(
            url, scores_body(), content_type="application/json", headers=bearer(member)
        ).status_code
        == 403
    )
    assert client.get(url, headers=bearer(other_member)).status_code == 404
    assert (
        client.get(
            "/api/v1/communities/riverside/agencies/nowhere/assessments",
            headers=bearer(agency_admin),
        ).status_code
        == 404
    )
    assert not Assessment.objects.exists()
