from django.contrib import admin
from django.urls import include, path

from officepass.accounts.forms import ThrottledAdminAuthenticationForm
from officepass.api.v1 import api
from officepass.ops.health import healthz, readyz
from officepass.ops.metrics import metrics_view
from officepass.web.views.checkin import checkin_landing
from officepass.web.views.media import uploaded_image

admin.site.login_form = ThrottledAdminAuthenticationForm

urlpatterns = [
    path("api/v1/", api.urls),
    path("c/<str:code>", checkin_landing, name="checkin-landing"),
    path("admin/", admin.site.urls),
    path("console/", include("officepass.console.urls")),
    path("media/<path:path>", uploaded_image, name="media"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("officepass.web.urls")),
]
