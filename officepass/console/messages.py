"""Strings used outside this app whose Japanese lives in this app's catalogue (so the shared
officepass/locale stays untouched): makemessages finds them here."""

from django.utils.translation import gettext_noop

EXTRA = (
    # officepass/core/errors.py: monthly_cap_reached
    gettext_noop(
        "Your company's monthly limit for you is reached. Ask your company's administrator."
    ),
)
