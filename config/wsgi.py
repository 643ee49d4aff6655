"""The WSGI application: Django's handler, with bearer API calls on the short middleware
chain (officepass/api/lane.py), as config/asgi.py serves them."""

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup(set_prefix=False)

from officepass.api.lane import LanedHandler  # noqa: E402  (needs Django set up)

application = LanedHandler()
