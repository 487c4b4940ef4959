"""A published account's QR code and homepage address go through the department (issue 16, finding 6): a unit's
new one is a change request (变更事项 "公开信息"), the matrix keeps the old one until the approval, and the
approval publishes it and writes the audit log. The department changes them directly (audited)."""
import io
import struct
import zlib

import pytest

from models import (Account, AccountStatus, Attachment, AttachmentKind, AuditLog, ChangeKind, ChangeRecord,
                    ReviewStatus, User, db)
from services import workflow


def png(shade: int) -> bytes:
    """A real 1×1 PNG (the upload checks the content, not the name); ``shade`` makes each one different."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes([0, shade]))) + chunk(b"IEND", b""))


OLD_QR, NEW_QR = png(10), png(200)


@pytest.fixture
def client(app):
    """A member of the public."""
    return app.test_client()


@pytest.fixture
def published(app, world):
    """The own unit's account approved and in the matrix."""
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status, account.in_matrix = AccountStatus.approved, True
        account.approved_at = account.created_at
        account.homepage_url = "https://weibo.com/u/1000001"
        db.session.commit()
    return world["own_account"]


def upload_qr(client, account_id: int, content: bytes, name="qr.png"):
    return client.post(f"/attachments/account/{account_id}",
                       data={"kind": "qr_code", "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def served_qr(client, account_id: int):
    response = client.get(f"/matrix/qr/{account_id}.img")
    return response.data if response.status_code == 200 else None


def approve_as_department(app, change_id: int) -> None:
    with app.app_context():
        change = db.session.get(ChangeRecord, change_id)
        unit_user = db.session.query(User).filter_by(username="editor").one()
        leader = db.session.query(User).filter_by(username="leader").one()
        dept = db.session.query(User).filter_by(username="dept").one()
        workflow.submit(change, unit_user)
        workflow.confirm(change, leader)
        workflow.approve(change, dept, "同意公开")
        db.session.commit()


def test_a_unit_editors_qr_code_is_not_on_the_matrix_before_the_department_approves(app, published, login_as,
                                                                                       client):
    response = upload_qr(login_as("unit_editor"), published, NEW_QR)
    assert response.status_code == 302
    assert served_qr(client, published) is None
    assert f"/matrix/qr/{published}.img" not in client.get("/matrix").get_data(as_text=True)
    with app.app_context():
        change = db.session.query(ChangeRecord).one()
        assert change.kind == ChangeKind.public_info and change.status == ReviewStatus.draft
        assert response.headers["Location"].endswith(f"/admin/changes/details/?id={change.id}")
        on_change = db.session.query(Attachment).filter_by(change_id=change.id, kind=AttachmentKind.qr_code).one()
        assert on_change.content == NEW_QR
        assert db.session.query(Attachment).filter_by(account_id=published).count() == 0
        change_id = change.id
    approve_as_department(app, change_id)
    assert served_qr(client, published) == NEW_QR
    assert f"/matrix/qr/{published}.img" in client.get("/matrix").get_data(as_text=True)


def test_the_old_qr_code_stays_until_the_approval_and_the_approval_is_audited(app, published, login_as, client):
    assert upload_qr(login_as("dept_admin"), published, OLD_QR).status_code == 302
    assert served_qr(client, published) == OLD_QR  # the department publishes directly
    upload_qr(login_as("unit_editor"), published, NEW_QR)
    assert served_qr(client, published) == OLD_QR
    with app.app_context():
        change_id = db.session.query(ChangeRecord.id).scalar()
    approve_as_department(app, change_id)
    assert served_qr(client, published) == NEW_QR
    with app.app_context():
        published_by = db.session.query(AuditLog).filter(
            AuditLog.object_type == "Attachment", AuditLog.action == "create",
            AuditLog.note.like("%矩阵%")).one()
        assert published_by.username == "dept" and "变更申请" in published_by.note
        created = db.session.query(AuditLog).filter(AuditLog.object_type == "Attachment",
                                                    AuditLog.action == "create").count()
        assert created >= 3  # the department's, the change's, the published copy


def test_a_homepage_change_is_published_on_approval(app, published, login_as, client):
    response = login_as("unit_editor").post("/admin/changes/new/", data={
        "account": str(published), "kind": "public_info", "changed_on": "2026-10-20",
        "new_homepage_url": "https://weibo.com/u/2000002"})
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert "https://weibo.com/u/2000002" not in client.get("/matrix.json").get_data(as_text=True)
    with app.app_context():
        change = db.session.query(ChangeRecord).one()
        assert change.after == {"homepage_url": "https://weibo.com/u/2000002"}
        assert change.before["homepage_url"] == "https://weibo.com/u/1000001"
        change_id = change.id
    approve_as_department(app, change_id)
    assert "https://weibo.com/u/2000002" in client.get("/matrix.json").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Account, published).homepage_url == "https://weibo.com/u/2000002"


def test_a_qr_code_uploaded_with_the_change_form(app, published, login_as, client):
    response = login_as("unit_editor").post("/admin/changes/new/", data={
        "account": str(published), "kind": "public_info", "changed_on": "2026-10-20",
        "new_qr": (io.BytesIO(NEW_QR), "新二维码.png")}, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    assert served_qr(client, published) is None
    with app.app_context():
        change_id = db.session.query(ChangeRecord.id).scalar()
    approve_as_department(app, change_id)
    assert served_qr(client, published) == NEW_QR


def test_a_pdf_is_not_a_qr_code_and_is_refused_next_to_its_field(app, published, login_as):
    response = login_as("unit_editor").post("/admin/changes/new/", data={
        "account": str(published), "kind": "public_info", "changed_on": "2026-10-20",
        "new_qr": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "qr.png")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "PNG" in html[html.index('name="new_qr"'):][:600]
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0


def test_a_homepage_of_another_account_is_refused(app, published, world, login_as):
    with app.app_context():
        db.session.get(Account, world["other_account"]).homepage_url = "https://weibo.com/u/3000003"
        db.session.commit()
    response = login_as("unit_editor").post("/admin/changes/new/", data={
        "account": str(published), "kind": "public_info", "changed_on": "2026-10-20",
        "new_homepage_url": "https://weibo.com/u/3000003"})
    assert response.status_code == 200 and "已" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0


def test_a_draft_accounts_qr_code_is_attached_directly(app, world, login_as):
    """Not yet published: the registration's approval is the department's review."""
    assert upload_qr(login_as("unit_editor"), world["own_account"], NEW_QR).status_code == 302
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0
        assert db.session.query(Attachment).filter_by(account_id=world["own_account"]).count() == 1


def test_another_units_account_cannot_get_a_qr_code_change(app, published, world, login_as):
    response = upload_qr(login_as("other_editor"), published, NEW_QR)
    assert response.status_code == 404
    with app.app_context():
        assert db.session.query(ChangeRecord).count() == 0


def test_a_unit_cannot_edit_the_homepage_of_a_published_account_directly(app, published, login_as):
    """The account form is closed to a unit once the account is registered (policy.UNIT_EDITABLE): the change
    request above is the unit's only way to a new homepage address."""
    client = login_as("unit_editor")
    assert client.get(f"/admin/accounts/edit/?id={published}").status_code in (302, 403)
    client.post(f"/admin/accounts/edit/?id={published}", data={"homepage_url": "https://evil.example/x"})
    with app.app_context():
        assert db.session.get(Account, published).homepage_url == "https://weibo.com/u/1000001"


def submit_to_department(app, change_id: int) -> None:
    """The unit's editor submits the change and its leader gives the unit's opinion: it waits for the department."""
    with app.app_context():
        change = db.session.get(ChangeRecord, change_id)
        workflow.submit(change, db.session.query(User).filter_by(username="editor").one())
        workflow.confirm(change, db.session.query(User).filter_by(username="leader").one())
        db.session.commit()


def test_a_qr_code_cannot_be_swapped_once_the_change_left_the_unit(app, published, login_as, client):
    """Review finding: after the leader's opinion a unit uploaded another QR code to the submitted change, and the
    department's approval published that one, which neither the leader nor the department had looked at."""
    editor = login_as("unit_editor")
    upload_qr(editor, published, NEW_QR)
    with app.app_context():
        change_id = db.session.query(ChangeRecord.id).scalar()
    submit_to_department(app, change_id)
    swapped = png(77)
    response = editor.post(f"/attachments/change/{change_id}", data={
        "kind": "qr_code", "file": (io.BytesIO(swapped), "swap.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Attachment).filter_by(change_id=change_id, kind=AttachmentKind.qr_code).count() == 1
        dept = db.session.query(User).filter_by(username="dept").one()
        workflow.approve(db.session.get(ChangeRecord, change_id), dept, "同意公开")
        db.session.commit()
    assert served_qr(client, published) == NEW_QR


@pytest.mark.parametrize("status", [AccountStatus.unit_review, AccountStatus.dept_review])
def test_a_registrations_qr_code_cannot_be_added_once_it_left_the_unit(app, world, login_as, status):
    """The same for a registration on its way: the QR code the leader and the department review is the one the
    approval puts on the matrix."""
    with app.app_context():
        db.session.get(Account, world["own_account"]).status = status
        db.session.commit()
    assert upload_qr(login_as("unit_editor"), world["own_account"], NEW_QR).status_code == 302
    with app.app_context():
        assert db.session.query(Attachment).filter_by(account_id=world["own_account"]).count() == 0
