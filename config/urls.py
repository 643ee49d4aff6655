from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from officepass.accounts.forms import ThrottledAdminAuthenticationForm
from officepass.api.v1 import api
from officepass.ops.health import healthz, readyz
from officepass.ops.metrics import metrics_view
from officepass.web.views.checkin import checkin_landing

admin.site.login_form = ThrottledAdminAuthenticationForm
# Bad input (a NUL byte, an oversized body): `{code, message}` under /api/, a page elsewhere.
handler400 = "officepass.core.inputguard.bad_request"

urlpatterns = [
    path("api/v1/", api.urls),
    path("c/<str:code>", checkin_landing, name="checkin-landing"),
    path("admin/", admin.site.urls),
    path("console/", include("officepass.console.urls")),
    path("media/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("officepass.web.urls")),
]
