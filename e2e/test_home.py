"""Issue 15 ("Shaped" 4, 5): from the home page to the work. Approving ten pending registrations takes at most four
clicks after the home page: the count on the card, 全选本页, 审核通过, the confirmation."""
from .conftest import shot

PENDING = 10


def _ten_pending_registrations(server) -> None:
    """The demo has one registration waiting for the department: nine more of 图书馆, as a unit submits them."""
    from models import Account, AccountStatus, Unit, db
    from tests.factories import make_account

    with server["app"].app_context():
        waiting = db.session.query(Account).filter_by(status=AccountStatus.dept_review).count()
        unit = db.session.query(Unit).filter_by(code="TSG").one()
        for n in range(PENDING - waiting):
            make_account(unit, f"图书馆批量待审{n + 1}号", status=AccountStatus.dept_review,
                         account_id=f"tsg-bulk-{n + 1}")
        db.session.commit()
        assert db.session.query(Account).filter_by(status=AccountStatus.dept_review).count() == PENDING


def test_approving_ten_pending_registrations_takes_four_clicks(page_as, server):
    from models import Account, AccountStatus, db

    _ten_pending_registrations(server)
    page = page_as("dept")
    clicks = 0

    def click(selector):
        nonlocal clicks
        clicks += 1
        page.click(selector)

    def confirm(dialog):  # the browser's confirmation: a click on 确定
        nonlocal clicks
        clicks += 1
        dialog.accept()

    page.on("dialog", confirm)
    card = page.locator("#todo-pending_accounts a.home-count").first
    assert card.inner_text().strip() == str(PENDING)
    clicks += 1
    card.click()
    page.wait_for_load_state()
    assert page.locator("input.action-checkbox").count() == PENDING  # exactly the pending ones
    click("#bulk-select-page")
    shot(page, "home-bulk-approve-selected")
    click("button[data-model-action=approve]")
    page.wait_for_load_state()
    assert "10 条记录：已完成“审核通过”。" in page.content()
    shot(page, "home-bulk-approve-done")
    with server["app"].app_context():
        assert db.session.query(Account).filter_by(status=AccountStatus.dept_review).count() == 0
    assert clicks <= 4, clicks
    print(f"approve {PENDING} pending registrations: {clicks} clicks after the home page")


def test_each_roles_home_shows_its_own_work(page_as):
    for username, expected, absent in (
            ("dept", "待您处理", None), ("auditor", "需要关注", "待您处理"),
            ("kj_editor", "本单位应办事项", "按单位类别"), ("kj_leader", "待您审核", "按单位类别")):
        page = page_as(username)
        html = page.content()
        assert expected in html, username
        assert absent is None or absent not in html, username
        shot(page, f"home-role-{username}")
