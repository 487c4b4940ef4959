"""The anonymous (redirected to the login page, changing nothing) and off-site redirects."""
from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from ..conftest import csrf_from
from .matrix import (EVIL_TARGETS, VIEWS, VIEW_NAMES, body, count, create_payload, fetch, leaks, same_site,
                     snapshot)


ANON_GETS = ["/", "/new/", "/details/?id=1", "/edit/?id=1", "/export/csv/", "/export/xlsx/",
             "/ajax/lookup/?name=account&query=a"]


@pytest.mark.parametrize("path", ANON_GETS)
@pytest.mark.parametrize("view", VIEW_NAMES)
def test_anonymous_get_redirects_to_login(app, access_world, view, path):
    url = f"/admin/{view}{path}"
    response = fetch(app.test_client(), url)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login" and location.netloc in ("", "localhost")
    assert parse_qs(location.query)["next"][0] == url
    assert not leaks(body(response))


@pytest.mark.parametrize("path", ["/new/", "/edit/?id={other}", "/delete/", "/action/", "/ajax/update/"])
@pytest.mark.parametrize("view", VIEW_NAMES)
def test_anonymous_post_changes_nothing(app, access_world, view, path):
    rows, model = access_world["rows"][view], VIEWS[view].model
    before, total = snapshot(app, model, rows["other"]), count(app, model)
    client = app.test_client()
    token = csrf_from(body(client.get("/login")))
    payload = {**create_payload(view, access_world), "csrf_token": token, "id": rows["other"],
               "action": "delete", "rowid": rows["other"], "list_form_pk": rows["other"]}
    response = client.post(f"/admin/{view}{path.format(**rows)}", data=payload)
    assert response.status_code in (302, 400, 403)
    if response.status_code == 302:
        assert urlsplit(response.headers["Location"]).path == "/login"
    assert snapshot(app, model, rows["other"]) == before and count(app, model) == total


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_login_next_is_never_off_site(app, access_world, login_as, target):
    client = app.test_client()
    page = client.get("/login", query_string={"next": target})
    assert same_site(page.headers.get("Location")), page.headers.get("Location")
    token = csrf_from(body(client.get("/login")))
    response = client.post("/login", query_string={"next": target},
                           data={"username": "editor", "password": "test-password-123", "csrf_token": token})
    assert same_site(response.headers.get("Location")), response.headers.get("Location")
    # Already logged in: /login?next= redirects at once.
    again = login_as("unit_leader").get("/login", query_string={"next": target})
    assert again.status_code == 302 and same_site(again.headers.get("Location")), again.headers.get("Location")


@pytest.mark.parametrize("target", EVIL_TARGETS)
@pytest.mark.parametrize("path", ["/admin/accounts/", "/admin/accounts/new/", "/admin/accounts/details/?id={own}",
                                  "/admin/accounts/edit/?id={own}", "/admin/accounts/export/csv/"])
def test_admin_url_parameter_is_never_off_site(access_world, login_as, path, target):
    client = login_as("unit_editor")
    url = path.format(**access_world["rows"]["accounts"])
    response = client.get(url + ("&" if "?" in url else "?") + "url=" + target)
    assert same_site(response.headers.get("Location")), response.headers.get("Location")
    assert "evil.example" not in body(response)


@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_admin_post_url_parameter_is_never_off_site(app, deletable, login_as, target):
    response = login_as("unit_editor").post("/admin/accounts/delete/", {"id": deletable["accounts"]["own"],
                                                                        "url": target})
    assert response.status_code in (302, 400)
    assert same_site(response.headers.get("Location")), response.headers.get("Location")


@pytest.mark.parametrize("role", [None, "unit_editor", "unit_leader", "dept_admin", "auditor"])
def test_site_root_goes_to_the_home_page(app, access_world, login_as, role):
    """``/`` is the home page's address (the home page sends the anonymous on to the login page)."""
    response = fetch(login_as(role) if role else app.test_client(), "/")
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/admin/"
    assert not leaks(body(response))


@pytest.mark.parametrize("target", EVIL_TARGETS)
@pytest.mark.parametrize("role", [None, "unit_editor"])
def test_cas_next_is_never_off_site(app, access_world, login_as, monkeypatch, role, target):
    """统一身份认证: ``/cas/login?next=`` leads only to the configured CAS server (with the fixed service URL)
    or to this site, and only a same-site page waits in the session for the way back."""
    cas_server = "https://authserver.example.edu.cn/authserver/"
    for key, value in {"CAS_SERVER_URL": cas_server, "CAS_SERVICE_URL": "https://xmt.example.edu.cn"}.items():
        monkeypatch.setitem(app.config, key, value)
    client = login_as(role) if role else app.test_client()
    response = fetch(client, "/cas/login?" + urlencode({"next": target}))
    location = response.headers.get("Location")
    assert response.status_code == 302
    assert same_site(location) or location.startswith(cas_server + "login?service="), location
    assert "//evil.example" not in location and "//evil.example" not in body(response)
    with getattr(client, "client", client).session_transaction() as stored:
        assert same_site(stored.get("_cas_next", "/")), stored.get("_cas_next")
