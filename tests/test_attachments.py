"""Attachments: real type checked from the content, size limit, only for those who see the owner."""
import io

import pytest

from models import Account, AccountStatus, Attachment, AuditLog, db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


def _upload(client, owner_type, owner_id, data, name="扫描件.pdf"):
    return client.client.post(f"/attachments/{owner_type}/{owner_id}", data={
        "csrf_token": client.csrf, "kind": "signed_form", "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


@pytest.mark.parametrize("data, name, mime", [(PDF, "备案表.pdf", "application/pdf"), (PNG, "a.png", "image/png"),
                                              (JPEG, "b.jpeg", "image/jpeg")])
def test_upload_and_download(app, world, login_as, data, name, mime):
    client = login_as("unit_editor")
    response = _upload(client, "account", world["own_account"], data, name)
    assert response.status_code == 302
    with app.app_context():
        attachment = db.session.query(Attachment).one()
        assert attachment.content_type == mime and attachment.unit_id == world["own_unit"]
        assert db.session.query(AuditLog).filter_by(object_type="Attachment").count() == 1
        attachment_id = attachment.id
    download = client.get(f"/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == data
    assert download.headers["Content-Type"].startswith(mime)
    assert "attachment" in download.headers["Content-Disposition"]
    details = client.get(f"/admin/accounts/details/?id={world['own_account']}").get_data(as_text=True)
    assert f"/attachments/{attachment_id}" in details


@pytest.mark.parametrize("data, name", [
    (b"MZ\x90\x00 an exe renamed", "setup.pdf"),
    (b"<html><script>alert(1)</script></html>", "page.png"),
    (b"", "empty.pdf"),
    (b"PK\x03\x04" + b"\x00" * 30, "doc.docx"),
])
def test_wrong_or_empty_files_are_refused(app, world, login_as, data, name):
    response = _upload(login_as("unit_editor"), "account", world["own_account"], data, name)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_too_large_file_is_refused(app, world, login_as):
    app.config["MAX_ATTACHMENT_SIZE"] = 1024
    try:
        _upload(login_as("unit_editor"), "account", world["own_account"], PDF + b"0" * 2048)
    finally:
        app.config["MAX_ATTACHMENT_SIZE"] = 10 * 1024 * 1024
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_foreign_owner_and_foreign_attachment_answer_404(app, world, login_as):
    other = login_as("other_editor")
    assert _upload(other, "account", world["other_account"], PDF).status_code == 302
    with app.app_context():
        attachment_id = db.session.query(Attachment.id).scalar()
    editor = login_as("unit_editor")
    assert _upload(editor, "account", world["other_account"], PDF).status_code == 404
    assert _upload(editor, "report", world["other_report"], PDF).status_code == 404
    assert _upload(editor, "nothing", 1, PDF).status_code == 404
    assert editor.get(f"/attachments/{attachment_id}").status_code == 404
    assert editor.post(f"/attachments/{attachment_id}/delete").status_code == 404
    assert login_as("auditor").get(f"/attachments/{attachment_id}").status_code == 200
    assert login_as("dept_admin").get(f"/attachments/{attachment_id}").status_code == 200
    with app.app_context():
        assert db.session.query(Attachment).count() == 1


def test_auditor_cannot_upload(app, world, login_as):
    _upload(login_as("auditor"), "account", world["own_account"], PDF)
    with app.app_context():
        assert db.session.query(Attachment).count() == 0


def test_anonymous_is_sent_to_login(app, world):
    assert app.test_client().get("/attachments/1").status_code == 302


def test_scan_of_a_registered_account_stays(app, world, login_as):
    editor = login_as("unit_editor")
    _upload(editor, "account", world["own_account"], PDF)
    with app.app_context():
        attachment_id = db.session.query(Attachment.id).scalar()
        account = db.session.get(Account, world["own_account"])
        account.status = AccountStatus.unit_review
        db.session.commit()
    assert editor.post(f"/attachments/{attachment_id}/delete").status_code == 403
    with app.app_context():
        account = db.session.get(Account, world["own_account"])
        account.status = AccountStatus.draft
        db.session.commit()
    assert editor.post(f"/attachments/{attachment_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.query(Attachment).count() == 0
