"""The rules every uploaded file follows (authorization attachments, appeal documents, enrollment
documents): the type is sniffed from the content, never taken from the browser or the name; the
size is limited per file and per set; the file is stored through Django's storage API under a
random name; and it is served only by a view that has checked access, as a download.

    checked = check_upload(form.cleaned_data["file"])           # ValidationError in words
    name = store_upload(checked, folder="authorizations")       # the storage name to keep
    return upload_response(name, filename=..., content_type=checked.content_type)
"""

import uuid
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.utils.text import get_valid_filename

# The types a clinical attachment may be, by their sniffed MIME type: label and extension.
DOCUMENT_TYPES = {
    "application/pdf": ("PDF", "pdf"),
    "image/tiff": ("TIFF", "tif"),
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
}
SNIFF_BYTES = 8192


@dataclass(frozen=True)
class CheckedUpload:
    """An upload whose content was sniffed and measured."""

    file: UploadedFile
    content_type: str
    extension: str
    size: int
    original_name: str


def megabytes(size: int) -> str:
    """ "10 MB", "2.5 MB": sizes in the words the pages use."""
    value = size / (1024 * 1024)
    return f"{value:.0f} MB" if value >= 10 or value == int(value) else f"{value:.1f} MB"


def _type_words(allowed) -> str:
    labels = [DOCUMENT_TYPES[t][0] if t in DOCUMENT_TYPES else t for t in allowed]
    return ", ".join(labels[:-1]) + " or " + labels[-1] if len(labels) > 1 else labels[0]


def check_upload(upload: UploadedFile, *, allowed=tuple(DOCUMENT_TYPES), max_bytes: int | None = None) -> CheckedUpload:
    """Measure and sniff one uploaded file; a ValidationError says what is wrong in words."""
    max_bytes = max_bytes or settings.UPLOAD_MAX_BYTES
    name = get_valid_filename(upload.name or "file") or "file"
    size = upload.size or 0
    if size == 0:
        raise ValidationError(f"{name} is empty.", code="empty")
    if size > max_bytes:
        raise ValidationError(
            f"{name} is {megabytes(size)}; a file may be up to {megabytes(max_bytes)}.", code="too_large"
        )
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else ""
    if content_type not in allowed:
        found = f" (its content is {kind.extension.upper()})" if kind else ""
        raise ValidationError(
            f"{name} is not a {_type_words(allowed)} file{found}. Upload a {_type_words(allowed)}.", code="type"
        )
    extension = DOCUMENT_TYPES.get(content_type, ("", kind.extension))[1]
    return CheckedUpload(file=upload, content_type=content_type, extension=extension, size=size, original_name=name)


def check_total(sizes, *, max_total: int) -> None:
    """Refuse a set of files larger than ``max_total`` together (e.g. 50 MB a request)."""
    total = sum(sizes)
    if total > max_total:
        raise ValidationError(
            f"These files come to {megabytes(total)}; together they may be up to {megabytes(max_total)}.",
            code="total_too_large",
        )


def store_upload(checked: CheckedUpload, *, folder: str) -> str:
    """Save under a random name (the person's file name is kept only as data) and return the
    storage name. Nothing of the uploader's choosing reaches the path."""
    name = f"{folder}/{uuid.uuid4().hex}.{checked.extension}"
    checked.file.seek(0)
    return default_storage.save(name, checked.file)


def upload_response(name: str, *, filename: str, content_type: str, inline: bool = False) -> FileResponse:
    """The stored file as a download for a view that has already checked access. The browser is
    told not to guess the type, and a PDF opened inline runs no script of its own."""
    try:
        handle = default_storage.open(name, "rb")
    except FileNotFoundError as missing:
        raise Http404("No such file.") from missing
    response = FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response
