"""GET /api/v1/communities and /api/v1/communities/{slug}."""

from __future__ import annotations

from coproduce.communities.models import Community
from coproduce.communities.services import communities as communities_services

from .conftest import assert_error, bearer


def walk(client, url: str, headers=None) -> list[dict]:
    """Every item of a paginated list, following next_cursor; fails on a repeated item."""
    items, cursor, pages = [], None, 0
    while True:
        separator = "&" if "?" in url else "?"
        response = client.get(
            url + (f"{separator}cursor={cursor}" if cursor else ""), headers=headers or {}
        )
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) == {"items", "next_cursor"}
        items.extend(body["items"])
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return items
        assert pages < 100


def test_it_lists_communities_to_anyone(client, community, other_community):
    response = client.get("/api/v1/communities")
    assert response.status_code == 200
    body = response.json()
    assert [c["slug"] for c in body["items"]] == ["hillside", "riverside"]
    assert body["next_cursor"] is None
    assert all(c["my_roles"] == [] for c in body["items"])


def test_it_shows_my_roles(client, community, other_community, coordinator):
    items = client.get("/api/v1/communities", headers=bearer(coordinator)).json()["items"]
    assert {c["slug"]: c["my_roles"] for c in items} == {
        "hillside": [],
        "riverside": ["coordinator", "member"],
    }
    client.force_login(coordinator)
    items = client.get("/api/v1/communities").json()["items"]
    assert {c["slug"]: c["my_roles"] for c in items}["riverside"] == ["coordinator", "member"]


def test_it_leaves_out_unlisted_communities(client, community, other_community):
    Community.objects.filter(pk=other_community.pk).update(is_listed=False)
    assert [c["slug"] for c in client.get("/api/v1/communities").json()["items"]] == ["riverside"]


def test_it_pages_through_communities(client, db):
    for i in range(7):
        communities_services.community_create(
            actor=None, name=f"Place {i % 3}", slug=f"place-{i}", member_prefix=f"P{chr(65 + i)}"
        )
    items = walk(client, "/api/v1/communities?limit=2")
    slugs = [c["slug"] for c in items]
    assert len(slugs) == len(set(slugs)) == 7
    # Ordered by name, then creation, with equal names split across pages.
    assert slugs == [f"place-{i}" for i in (0, 3, 6, 1, 4, 2, 5)]


def test_it_shows_a_community_with_its_rules(client, community, coordinator):
    communities_services.rulebook_change(
        actor=coordinator, community=community, changes={"auto_confirm_days": 7}, reason="Faster"
    )
    response = client.get("/api/v1/communities/riverside")
    assert response.status_code == 200
    body = response.json()
    assert body["name"] == "Riverside"
    assert body["member_prefix"] == "RIV"
    assert body["rulebook_version"] == 2
    assert body["rules"]["auto_confirm_days"] == 7
    assert body["rules"]["references_required"] == 1


def test_it_says_not_found_for_an_unknown_community(client, db):
    assert_error(client.get("/api/v1/communities/nowhere"), 404, "not_found")
    assert_error(client.get("/api/v1/communities/nowhere/rules"), 404, "not_found")


def test_it_hides_an_unlisted_community_from_outsiders(
    client, community, member, outsider, other_member
):
    Community.objects.filter(pk=community.pk).update(is_listed=False)
    assert_error(client.get("/api/v1/communities/riverside"), 404, "not_found")
    assert_error(
        client.get("/api/v1/communities/riverside", headers=bearer(outsider)), 404, "not_found"
    )
    assert_error(
        client.get("/api/v1/communities/riverside", headers=bearer(other_member)), 404, "not_found"
    )
    assert client.get("/api/v1/communities/riverside", headers=bearer(member)).status_code == 200
