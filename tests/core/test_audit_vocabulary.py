"""Audit actions are a vocabulary with ja/en labels, shown by the console's audit viewer."""

from django.utils import translation

from officepass.core.actions import AuditAction, action_label
from officepass.core.models import AuditEntry


def test_every_action_has_a_japanese_label():
    with translation.override("ja"):
        untranslated = [a.value for a in AuditAction if not _is_japanese(str(a.label))]
    assert untranslated == []


def test_each_action_is_named_app_dot_verb():
    assert all(value.count(".") == 1 and value == value.lower() for value in AuditAction.values)


def test_a_stored_action_reads_as_its_label_and_an_unknown_one_as_itself():
    with translation.override("en"):
        assert AuditEntry(action="stay.forced_out").action_label == "Checked out by force"
        assert action_label("gone.action") == "gone.action"


def _is_japanese(text: str) -> bool:
    return any("\u3040" <= ch <= "\u30ff" or "\u4e00" <= ch <= "\u9fff" for ch in text)
