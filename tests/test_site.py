import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_says_which_part_failed(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise connection.Database.OperationalError("database is down")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["database"] != "ok"


def test_postal_code_lookup_as_json(client):
    response = client.get("/postal/5180873")
    assert response.status_code == 200
    assert response.json() == {
        "postal_code": "5180873",
        "prefecture_code": "24",
        "prefecture": "三重県",
        "municipality_code": "24216",
        "city": "伊賀市",
        "town": "上野丸之内",
    }
    assert client.get("/postal/0000000").status_code == 404
    assert client.get("/postal/abc").status_code == 404


def test_postal_code_lookup_for_htmx_fills_the_address_fields(client):
    response = client.get("/postal/", {"postal_code": "５１８－０８７３"},
                          headers={"HX-Request": "true"})  # fmt: skip
    page = response.content.decode()
    assert page.startswith('<div id="address-fields"')
    assert '<option value="24" selected>三重県</option>' in page
    assert 'value="伊賀市"' in page
    assert "三重県伊賀市上野丸之内 が見つかりました" in page


def test_unknown_postal_code_keeps_what_was_typed(client):
    response = client.get(
        "/postal/", {"postal_code": "0000000", "prefecture_code": "13", "city": "渋谷区"},
        headers={"HX-Request": "true"},
    )  # fmt: skip
    page = response.content.decode()
    assert "この郵便番号は見つかりませんでした" in page
    assert 'value="渋谷区"' in page


def test_language_switch_shows_english_and_remembers_it(client):
    response = client.get("/?lang=en")
    assert '<html lang="en">' in response.content.decode()
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/").content.decode()
    client.get("/?lang=ja")
    assert '<html lang="ja">' in client.get("/").content.decode()


def test_japanese_is_the_default_whatever_the_browser_says(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="ja">' in page


def test_security_headers(client):
    response = client.get("/")
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_migrations_match_the_models():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
