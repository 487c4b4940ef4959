"""End-to-end tests in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The app runs in a thread on 127.0.0.1 with a fresh SQLite database built by the migrations and the
demo data; screenshots of each journey's key screens go to test-output/e2e/."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent.parent / "test-output" / "e2e"
PASSWORD = "demo-password-2026"


def serve_demo(tmp: Path, name: str, **config):
    """The app on a fresh SQLite database (migrations and demo data) in a thread on 127.0.0.1; yields
    {"url", "app"} and stops the server after."""
    from app import create_app
    from models import db

    app = create_app({"TESTING": True, "SECRET_KEY": "e2e-secret", "WTF_CSRF_ENABLED": True,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/{name}.sqlite3",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "LOGIN_RATE_LIMIT": "1000000 per minute",
                      **config})
    with app.app_context():
        from flask_migrate import upgrade

        from seeds.demo import load_demo

        upgrade()
        load_demo()
        db.session.commit()
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{httpd.server_port}", "app": app}
    httpd.shutdown()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    yield from serve_demo(tmp_path_factory.mktemp("e2e"), "e2e", MAX_ATTACHMENT_SIZE=10 * 1024 * 1024)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--lang=zh-CN", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page_as(server, browser):
    """A fresh browser context logged in as one of the demo users."""
    contexts = []

    def login(username: str, width: int = 1366, height: int = 768):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                      accept_downloads=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        if username:
            page.goto(server["url"] + "/login")
            page.fill("#username", username)
            page.fill("#password", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/admin/")
        return page

    yield login
    for context in contexts:
        context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
