"""Health, version, the OpenAPI document and Swagger UI."""

from __future__ import annotations

import dataclasses
from importlib import metadata

from fastapi.testclient import TestClient

from microblog_server.bootstrap import build_services, create_app
from microblog_server.settings import Settings


def test_health_passes_with_the_database(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/health+json"
    body = response.json()
    assert body["status"] == "pass"
    assert body["checks"]["database:responseTime"][0]["status"] == "pass"


def test_health_fails_with_503_when_the_database_does_not_answer() -> None:
    settings = Settings.for_tests()
    services = build_services(settings)
    down = dataclasses.replace(services, check_database=lambda: False)
    with TestClient(create_app(settings, services=down)) as client:
        response = client.get("/health")
    services.close()

    assert response.status_code == 503
    assert response.json()["status"] == "fail"
    assert response.headers["retry-after"]


def test_liveness_is_the_process_only(client: TestClient) -> None:
    response = client.get("/health/live")

    assert response.json() == {"status": "pass"}


def test_version_is_the_installed_package_version(client: TestClient) -> None:
    response = client.get("/api/version")

    assert response.json() == {"version": metadata.version("microblog"), "api_versions": ["v1"]}


def test_openapi_is_3_1_and_every_error_is_problem_json(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()

    assert document["openapi"].startswith("3.1")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if not path.startswith("/api"):
                continue
            assert {"429", "500", "503"} <= responses.keys(), (method, path)
            for status, response in responses.items():
                if status[0] in "45":
                    assert list(response["content"]) == ["application/problem+json"], (path, status)
                    assert response["content"]["application/problem+json"]["example"]


def test_openapi_declares_health_as_health_json(client: TestClient) -> None:
    health = client.get("/api/v1/openapi.json").json()["paths"]["/health"]["get"]["responses"]

    assert list(health["200"]["content"]) == ["application/health+json"]
    assert list(health["503"]["content"]) == ["application/health+json"]


def test_openapi_declares_the_statuses_of_a_write(client: TestClient) -> None:
    document = client.get("/api/v1/openapi.json").json()

    put = document["paths"]["/api/v1/users/{username}/collection/{micropost_id}"]["put"]

    assert {"200", "400", "401", "403", "404", "412", "413", "415", "422"} <= put[
        "responses"
    ].keys()


def test_every_request_and_response_model_has_an_example(client: TestClient) -> None:
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    missing = [
        name
        for name, schema in schemas.items()
        if name != "FieldErrorOut" and "examples" not in schema
    ]

    assert missing == []


def test_swagger_ui_is_served_with_local_assets(client: TestClient) -> None:
    page = client.get("/docs")

    assert page.status_code == 200
    assert "/docs/assets/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    asset = client.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    assert len(asset.content) > 100_000


def test_openapi_documents_the_response_headers(client: TestClient) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    get_user = paths["/api/v1/users/{username}"]["get"]["responses"]["200"]["headers"]
    sign_up = paths["/api/v1/users"]["post"]["responses"]["201"]["headers"]
    a_page = paths["/api/v1/users"]["get"]["responses"]["200"]["headers"]

    assert {"ETag", "X-Request-ID", "RateLimit", "RateLimit-Policy"} <= get_user.keys()
    assert {"Location", "Idempotent-Replayed"} <= sign_up.keys()
    assert "Link" in a_page
