import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from core.pdf import Paragraph, render_pdf
from core.uploads import check_total, check_upload, megabytes, store_upload, upload_response

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cf00000301010018dd8db00000000049454e44ae426082"
)
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 200


def _file(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_pdf_is_known_by_its_content():
    checked = check_upload(_file("notes.pdf", render_pdf(title="Notes", blocks=[Paragraph("x")])))
    assert (checked.content_type, checked.extension, checked.original_name) == ("application/pdf", "pdf", "notes.pdf")


def test_an_executable_renamed_pdf_is_refused_whatever_the_browser_says():
    with pytest.raises(ValidationError) as refused:
        check_upload(_file("scan.pdf", ELF, content_type="application/pdf"))
    assert "scan.pdf is not a PDF, TIFF, JPEG or PNG file (its content is ELF)" in refused.value.messages[0]


def test_a_png_named_pdf_is_stored_as_the_png_it_is():
    assert check_upload(_file("photo.pdf", PNG)).content_type == "image/png"


def test_size_limits_say_the_sizes(settings):
    settings.UPLOAD_MAX_BYTES = 1024 * 1024
    big = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024 - 9)
    with pytest.raises(ValidationError, match=r"big.pdf is 2 MB; a file may be up to 1 MB"):
        check_upload(_file("big.pdf", big))
    with pytest.raises(ValidationError, match="is empty"):
        check_upload(_file("empty.pdf", b""))
    with pytest.raises(ValidationError, match=r"come to 60 MB; together they may be up to 50 MB"):
        check_total([30 * 1024 * 1024, 30 * 1024 * 1024], max_total=50 * 1024 * 1024)
    assert megabytes(10 * 1024 * 1024) == "10 MB" and megabytes(int(2.5 * 1024 * 1024)) == "2.5 MB"


def test_stored_under_a_random_name_and_served_as_a_download(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    checked = check_upload(_file("../../etc/passwd.png", PNG))
    name = store_upload(checked, folder="tests")
    assert name.startswith("tests/") and name.endswith(".png") and "passwd" not in name
    response = upload_response(name, filename="scan.png", content_type=checked.content_type)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    default_storage.delete(name)
