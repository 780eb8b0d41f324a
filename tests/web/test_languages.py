"""Only complete languages are offered: a browser asking for Spanish gets the site in English,
marked as English, with none of Django's own Spanish (docs/operations.md, "Languages")."""

from __future__ import annotations

from ..api.conftest import assert_error


def test_it_answers_a_spanish_browser_in_english(client, community):
    response = client.post(
        "/accounts/login/", {"login": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="es"
    )
    page = response.content.decode()
    assert '<html lang="en-gb">' in page
    assert response["Content-Language"] == "en-gb"
    assert "This field is required." in page
    for spanish in ("Este campo es obligatorio", "Contraseña", "Iniciar sesión"):
        assert spanish not in page


def test_it_answers_a_spanish_api_client_in_english(client, community):
    response = client.post(
        "/api/v1/communities/riverside/applications",
        "{}",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9",
    )
    error = assert_error(response, 422, "validation_failed")
    assert error["message"] == "Please correct the application."
    assert response["Content-Language"] == "en-gb"
