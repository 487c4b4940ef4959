"""统一身份认证 (CAS) in a real browser: the round trip through a CAS 3.0 server on loopback, and the sign-out
form whose answer redirects to the CAS server (the CSP's form-action must let it)."""
from __future__ import annotations

import pytest

from tests.test_cas import CasServer

from .conftest import serve_demo


@pytest.fixture(scope="module")
def cas_site(tmp_path_factory):
    with CasServer() as cas:
        for site in serve_demo(tmp_path_factory.mktemp("e2e-cas"), "cas", CAS_SERVER_URL=cas.url,
                               CAS_SERVICE_URL="http://placeholder.invalid"):
            site["app"].config["CAS_SERVICE_URL"] = site["url"]  # the port is known once the server runs
            from models import User, db

            with site["app"].app_context():
                db.session.query(User).filter_by(username="kj_editor").one().staff_no = "2001001"
                db.session.commit()
            yield site, cas


def test_cas_round_trip_and_sign_out(cas_site, browser):
    site, cas = cas_site
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        page.goto(site["url"] + "/login?next=/admin/accounts/")
        page.click("#cas-login")  # 统一身份认证登录
        page.wait_for_url("**/admin/accounts/")
        assert "会计学院" in page.content()
        page.goto(site["url"] + "/admin/")
        page.evaluate("document.querySelector(\"form[action='/logout']\").requestSubmit()")
        page.wait_for_url("**/login")
        assert cas.logouts == [site["url"] + "/login"]
        page.goto(site["url"] + "/admin/")  # signed out here: the login page
        assert page.url.split("?")[0] == site["url"] + "/login"
    finally:
        context.close()
