"""Every upload of the portal: capped in size, checked by its content, kept outside anything
served directly, and read only through a view that checks permission and answers with a
download. The uploads are found from the forms and the models, so a new one fails
`test_every_upload_of_the_portal_is_in_the_table` until it is given the same tests."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms as django_forms
from django.apps import apps
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pypdf import PdfWriter

from managers.checks import CV_MAX_BYTES
from managers.models import Manager, ManagerStatus
from tests.conftest import sign_in
from tests.factories import ManagerFactory, ManagerUserFactory, pdf_bytes
from tests.robustness.test_views_hostile_input import FORM_MODULES

pytestmark = pytest.mark.django_db

# Each upload: the form field that takes it and the model field that keeps it.
UPLOADS = {"managers.forms.CvForm.cv": "managers.Manager.cv"}


def test_every_upload_of_the_portal_is_in_the_table():
    importlib.import_module("allauth.account.forms")
    form_fields = set()
    for module_name in FORM_MODULES:
        module = importlib.import_module(module_name)
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, django_forms.BaseForm) and cls.__module__ == module_name:
                for field_name, form_field in cls.base_fields.items():
                    if isinstance(form_field, django_forms.FileField):
                        form_fields.add(f"{module_name}.{cls.__name__}.{field_name}")
    model_fields = {
        f"{model._meta.label}.{model_field.name}"
        for model in apps.get_models()
        for model_field in model._meta.get_fields()
        if isinstance(model_field, models.FileField)
    }
    assert form_fields == set(UPLOADS)
    assert model_fields == set(UPLOADS.values())


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def draft_manager(programme, manager_user) -> Manager:
    manager_user.language = "en"
    manager_user.save(update_fields=["language"])
    return ManagerFactory(
        programme=programme, user=manager_user, status=ManagerStatus.DRAFT, applied_at=None, with_cv=False
    )


def stored_files() -> list[Path]:
    return [path for path in Path(settings.PROTECTED_MEDIA_ROOT).rglob("*") if path.is_file()]


def upload(client: Client, name: str, content: bytes):
    return client.post(
        reverse("managers:cv_upload"),
        {"cv": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def encrypted_pdf() -> bytes:
    import io

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("segreta")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cv.pdf", b"", "empty"),
        ("cv.pdf", pdf_bytes(padding=CV_MAX_BYTES), "larger than 5 MB"),
        ("cv.pdf", b"<html><script>alert(1)</script></html>", "not a PDF"),
        ("cv.pdf", b"MZ\x90\x00" + b"\x00" * 200, "not a PDF"),
        ("cv.pdf", b"%PDF-1.7\n" + b"\xff" * 500, "damaged"),
        ("cv.pdf", encrypted_pdf(), "password"),
        ("cv.exe", b"<?php system($_GET['c']); ?>", "not a PDF"),
    ],
    ids=["empty", "over-5-MB", "html", "executable", "damaged-pdf", "encrypted-pdf", "php"],
)
def test_a_cv_refused_by_size_or_content_is_not_stored(manager_client, draft_manager, name, content, message):
    before = stored_files()
    response = upload(manager_client, name, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    draft_manager.refresh_from_db()
    assert not draft_manager.cv
    assert stored_files() == before


class CountingInput:
    """A request body that counts what is read of it."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.read_bytes = 0

    def read(self, size: int = -1) -> bytes:
        chunk = (
            self.content[self.read_bytes :]
            if size < 0
            else self.content[self.read_bytes : self.read_bytes + size]
        )
        self.read_bytes += len(chunk)
        return chunk

    def readline(self, size: int = -1) -> bytes:
        return self.read(size)


def test_a_body_declared_above_the_cap_is_refused_before_it_is_read(manager_client, draft_manager):
    declared = settings.REQUEST_BODY_MAX_BYTES + 1
    body = CountingInput(b"--x\r\n" + b"%PDF-" + b"0" * 1000)
    response = manager_client.generic(
        "POST",
        reverse("managers:cv_upload"),
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(declared),
        **{"wsgi.input": body},
    )
    assert response.status_code == 413
    assert body.read_bytes == 0
    assert "at most 5 MB" in response.content.decode()
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    draft_manager.refresh_from_db()
    assert not draft_manager.cv


def test_a_cv_far_above_the_cap_is_refused_with_413_and_not_stored(manager_client, draft_manager):
    before = stored_files()
    response = upload(manager_client, "cv.pdf", pdf_bytes(padding=settings.REQUEST_BODY_MAX_BYTES))
    assert response.status_code == 413
    assert "Nothing was saved" in response.content.decode()
    draft_manager.refresh_from_db()
    assert not draft_manager.cv
    assert stored_files() == before


def test_the_request_cap_leaves_room_for_a_cv_of_five_megabytes_and_its_form():
    assert CV_MAX_BYTES == settings.UPLOAD_MAX_BYTES
    assert CV_MAX_BYTES + 64 * 1024 < settings.REQUEST_BODY_MAX_BYTES <= CV_MAX_BYTES + 2 * 1024 * 1024


def test_the_size_cap_is_five_megabytes_exactly(manager_client, draft_manager):
    largest = pdf_bytes(padding=CV_MAX_BYTES - 2_000)
    assert len(largest) <= CV_MAX_BYTES
    assert upload(manager_client, "cv.pdf", largest).status_code == 302


def test_an_accepted_cv_is_kept_outside_anything_served_under_a_name_of_its_own(
    manager_client, draft_manager
):
    response = upload(manager_client, "../../static/<b>evil</b>.pdf", pdf_bytes())
    assert response.status_code == 302
    draft_manager.refresh_from_db()
    path = Path(draft_manager.cv.path).resolve()
    protected = Path(settings.PROTECTED_MEDIA_ROOT).resolve()
    assert path.is_relative_to(protected)
    for served in [Path(settings.STATIC_ROOT), *map(Path, settings.STATICFILES_DIRS)]:
        assert not path.is_relative_to(served.resolve())
    assert "evil" not in draft_manager.cv.name and ".." not in draft_manager.cv.name


def test_the_protected_folder_is_outside_the_static_files_in_the_real_settings():
    from programme import settings as real

    protected = Path(real.PROTECTED_MEDIA_ROOT).resolve()
    assert not protected.is_relative_to(Path(real.STATIC_ROOT).resolve())
    assert all(not protected.is_relative_to(Path(folder).resolve()) for folder in real.STATICFILES_DIRS)
    assert real.MEDIA_ROOT == real.PROTECTED_MEDIA_ROOT
    assert not getattr(real, "MEDIA_URL", ""), "no address serves the uploads directly"


def test_a_direct_request_for_a_stored_cv_finds_nothing(manager_client, staff_client, draft_manager):
    assert upload(manager_client, "cv.pdf", pdf_bytes()).status_code == 302
    draft_manager.refresh_from_db()
    name = draft_manager.cv.name  # cv/<programme>/<uuid>.pdf
    relative_root = Path(settings.PROTECTED_MEDIA_ROOT).name
    candidates = [
        f"/{name}",
        f"/media/{name}",
        f"/var/{name}",
        f"/var/protected/{name}",
        f"/protected/{name}",
        f"/{relative_root}/{name}",
        f"/static/{name}",
        f"/static/../var/protected/{name}",
        f"{settings.MEDIA_URL or '/'}{name}",
        draft_manager.cv.url,  # the address the storage would give, were anything serving it
    ]
    for client in (Client(), manager_client, staff_client):
        for address in candidates:
            response = client.get(address)
            assert response.status_code == 404, (address, response.status_code)


def test_the_cv_is_served_as_a_download_to_its_owner_and_staff_only(
    manager_client, staff_client, sme_client, draft_manager, programme
):
    assert upload(manager_client, "cv.pdf", pdf_bytes()).status_code == 302
    address = reverse("managers:cv_download", args=[draft_manager.pk])
    other_user = ManagerUserFactory()
    ManagerFactory(programme=programme, user=other_user)
    other_manager = sign_in(Client(), other_user)

    for client in (manager_client, staff_client):
        response = client.get(address)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    assert other_manager.get(address).status_code == 404
    assert sme_client.get(address).status_code == 403
    anonymous = Client().get(address)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("account_login"))
