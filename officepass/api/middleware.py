"""Answers that Django or django-ninja make before our handlers still get the error shape."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from officepass.core.errors import DomainError

API_PREFIX = "/api/"


class ApiErrorShapeMiddleware:
    """A 405 from the router (an unsupported method) becomes `{code, message}` JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or not request.path.startswith(API_PREFIX):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        error = DomainError("method_not_allowed")
        shaped = JsonResponse({"code": error.code, "message": str(error.message)}, status=405)
        if allow := response.get("Allow"):
            shaped["Allow"] = allow
        return shaped
