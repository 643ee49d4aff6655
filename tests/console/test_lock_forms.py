"""A lock is set up from its driver's own form (issue 15 item 1): fields, not JSON; secrets
only as environment variable names; unknown keys the space had are kept."""

import pytest

from officepass.core.models import AuditEntry
from officepass.locks.registry import DRIVERS


def test_every_driver_asks_for_its_settings_by_name():
    for name, driver in DRIVERS.items():
        assert driver.settings_fields, f"{name} has no settings form"
        assert all(
            f.kind in {"text", "number", "bool", "choice", "env"} for f in driver.settings_fields
        )


def test_the_switchbot_form_stores_the_device_and_names_its_secrets(client, world):
    client.force_login(world.staff)
    page = client.get(f"/console/spaces/{world.space.pk}/?driver=switchbot").content.decode()
    assert 'name="s_device_id"' in page and 'name="s_token"' in page
    response = client.post(
        f"/console/spaces/{world.space.pk}/lock/",
        {
            "driver": "switchbot",
            "fields": "1",
            "s_device_id": "C1D2E3F4A5B6",
            "s_token": "SWITCHBOT_TOKEN_HQ",
            "s_secret": "SWITCHBOT_SECRET_HQ",
            "s_timeout": "8",
        },
    )
    assert response.status_code == 302
    world.space.refresh_from_db()
    assert world.space.lock_driver == "switchbot"
    assert world.space.lock_settings == {
        "device_id": "C1D2E3F4A5B6",
        "timeout": 8,
        "secret_env": {"token": "SWITCHBOT_TOKEN_HQ", "secret": "SWITCHBOT_SECRET_HQ"},
    }
    assert AuditEntry.objects.filter(action="lock.configured").count() == 1


@pytest.mark.parametrize(
    "bad",
    [
        {"s_token": "sk-live-abcdef"},  # a secret itself, not a variable name
        {"s_device_id": ""},  # required
    ],
)
def test_a_secret_value_or_a_missing_field_is_refused_and_nothing_changes(client, world, bad):
    client.force_login(world.staff)
    before = (world.space.lock_driver, world.space.lock_settings)
    data = {
        "driver": "switchbot",
        "fields": "1",
        "s_device_id": "C1D2E3F4A5B6",
        "s_token": "SWITCHBOT_TOKEN_HQ",
        "s_secret": "SWITCHBOT_SECRET_HQ",
        **bad,
    }
    response = client.post(f"/console/spaces/{world.space.pk}/lock/", data)
    assert response.status_code == 302 and "driver=switchbot" in response["Location"]
    world.space.refresh_from_db()
    assert (world.space.lock_driver, world.space.lock_settings) == before
    assert not AuditEntry.objects.filter(action="lock.configured").exists()


def test_keys_the_form_does_not_name_are_kept(client, world):
    client.force_login(world.staff)
    url = f"/console/spaces/{world.space.pk}/lock/"
    client.post(url, {"driver": "simulator", "settings": '{"mode": "jammed", "note": "x"}'})
    client.post(
        url, {"driver": "simulator", "fields": "1", "s_mode": "normal", "extra": '{"note": "x"}'}
    )
    world.space.refresh_from_db()
    assert world.space.lock_settings == {"mode": "normal", "note": "x"}
