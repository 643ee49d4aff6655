"""Uploaded seat images from MEDIA_ROOT (S3 storage serves its own).

Only a file that Pillow verifies as a JPEG, PNG or WebP picture is served, always with that
format's content type (never guessed from the name), `nosniff`, and a sandboxing policy, so
an upload can never run as a page of this site.
"""

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

from officepass.offices.images import IMAGE_TYPES, verified_format

MEDIA_POLICY = "default-src 'none'; sandbox"


@require_safe
def uploaded_image(request: HttpRequest, path: str) -> FileResponse:
    try:
        stream = default_storage.open(path, "rb")
    except (SuspiciousFileOperation, OSError, ValueError):
        raise Http404 from None
    kind = verified_format(stream)
    if kind is None:
        stream.close()
        raise Http404
    response = FileResponse(stream, content_type=IMAGE_TYPES[kind][1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_POLICY
    response["Content-Disposition"] = "inline"
    response["Cache-Control"] = "public, max-age=3600"
    return response
