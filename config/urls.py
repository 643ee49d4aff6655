from django.contrib import admin
from django.urls import include, path

from officepass.accounts.forms import ThrottledAdminAuthenticationForm
from officepass.api.v1 import api
from officepass.console.views_display import door_display, door_display_svg
from officepass.ops.health import healthz, readyz
from officepass.ops.metrics import metrics_view
from officepass.web.views.account import email_change, signin_redirect
from officepass.web.views.billing import webhook as payment_webhook
from officepass.web.views.checkin import checkin_landing
from officepass.web.views.media import uploaded_image

admin.site.login_form = ThrottledAdminAuthenticationForm
# Bad input (a NUL byte, an oversized body): `{code, message}` under /api/, a page elsewhere.
handler400 = "officepass.core.inputguard.bad_request"
# Not found / not allowed: the member app's styled pages (the API's `{code, message}` under /api/).
handler403 = "officepass.web.views.errors.permission_denied"
handler404 = "officepass.web.views.errors.not_found"

urlpatterns = [
    # A payment provider's signed events (docs/api.md: webhooks under /api/v1/webhooks/).
    path("api/v1/webhooks/<str:provider>", payment_webhook, name="payment-webhook"),
    path("api/v1/", api.urls),
    path("c/<str:code>", checkin_landing, name="checkin-landing"),
    # A door tablet's own link: shows the rotating code only, no staff session.
    path("display/<str:token>/", door_display, name="door-display"),
    path("display/<str:token>/code.svg", door_display_svg, name="door-display-svg"),
    # Sign-in is ours (lockout, throttling): allauth's login page sends there.
    path("accounts/login/", signin_redirect, name="account_login"),
    path("accounts/email/", email_change, name="account_email"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("console/", include("officepass.console.urls")),
    path("media/<path:path>", uploaded_image, name="media"),
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("", include("officepass.web.urls")),
]
