"""The project's 403 (CSRF failures too) and 404 pages: the member app's own look, in the
member's language; under /api/ the API's `{code, message}` instead (config/urls.py and
settings.CSRF_FAILURE_VIEW name these handlers)."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from officepass.core.errors import DomainError

API_PREFIX = "/api/"


def _page(request: HttpRequest, code: str) -> HttpResponse:
    error = DomainError(code)
    if request.path.startswith(API_PREFIX):
        return JsonResponse(
            {"code": error.code, "message": str(error.message)}, status=error.status
        )
    return render(request, "web/http_error.html", {"error": error}, status=error.status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "not_found")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form posted from a stale or foreign page."""
    return _page(request, "csrf_failed")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "permission_denied")
