"""Office set-up from the console: hours, unit and rules; spaces with quota and seat image."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from officepass.core.models import AuditEntry
from officepass.offices import hours


def week(**days):
    """The weekday editor's fields: each day "closed", "24h" or (open, close)."""
    data = {}
    for n, day in enumerate(hours.DAYS):
        value = days.get(day, ("08:00", "22:00"))
        state = value if isinstance(value, str) else "open"
        opens, closes = ("", "") if isinstance(value, str) else value
        data.update(
            {
                f"opening_hours_{3 * n}": state,
                f"opening_hours_{3 * n + 1}": opens,
                f"opening_hours_{3 * n + 2}": closes,
            }
        )
    return data


def office_form(office, hours_of=None, **changes):
    data = {
        "name": office.name,
        "address": office.address,
        "lat": office.lat,
        "lng": office.lng,
        "timezone": "Asia/Tokyo",
        **week(**(hours_of if hours_of is not None else {"sat": "closed", "sun": "closed"})),
        "closed_dates": "2027-01-01\n2026-12-31",
        "unit_minutes": 60,
        "step_minutes": 30,
        "max_stay_minutes": 240,
        "extension_window_minutes": 15,
        "help_desk_phone": "03-1111-2222",
        "rules_allowed": ["designated_seats", "phone_booth"],
        "rules_forbidden": ["meeting_room"],
        "is_active": "on",
    }
    data.update(changes)
    return data


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(buffer, "PNG")
    return buffer.getvalue()


def test_operator_staff_set_up_their_office_and_it_is_audited(client, world):
    client.force_login(world.staff)
    response = client.post(f"/console/offices/{world.office.pk}/", office_form(world.office))
    assert response.status_code == 302
    world.office.refresh_from_db()
    assert (world.office.unit_minutes, world.office.step) == (60, 30)
    assert world.office.opening_hours["sat"] is None
    hours.validate(world.office.opening_hours, world.office.closed_dates, world.office.timezone)
    assert world.office.opening_hours["mon"] == ["08:00", "22:00"]
    assert world.office.closed_dates == ["2026-12-31", "2027-01-01"]
    assert world.office.rules_allowed == ["designated_seats", "phone_booth"]
    assert world.office.rules_forbidden == ["meeting_room"]
    assert AuditEntry.objects.filter(action="office.update").exists()


def test_the_weekday_editor_shows_the_hours_and_takes_overnight_and_24_hours(client, world):
    client.force_login(world.staff)
    page = client.get(f"/console/offices/{world.office.pk}/").content.decode()
    assert 'name="opening_hours_0"' in page and "JSON" not in page
    late = {"fri": ("18:00", "02:00"), "sat": "24h", "sun": ("08:00", "00:00")}
    response = client.post(f"/console/offices/{world.office.pk}/", office_form(world.office, late))
    assert response.status_code == 302
    world.office.refresh_from_db()
    assert world.office.opening_hours["fri"] == ["18:00", "02:00"]
    assert world.office.opening_hours["sat"] == ["00:00", "24:00"]
    assert world.office.opening_hours["sun"] == ["08:00", "24:00"]


def test_an_open_day_without_times_or_a_rule_both_ways_is_refused(client, world):
    client.force_login(world.staff)
    bad = office_form(world.office, {"mon": ("", "")}, rules_forbidden=["phone_booth"])
    response = client.post(f"/console/offices/{world.office.pk}/", bad)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["opening_hours"] and errors["rules_forbidden"]
    world.office.refresh_from_db()
    assert world.office.unit_minutes == 120


def test_bad_hours_are_refused_with_the_reason_and_nothing_saved(client, world):
    client.force_login(world.staff)
    bad = office_form(world.office, {"mon": ("25:00", "08:00")}, unit_minutes=30)
    response = client.post(f"/console/offices/{world.office.pk}/", bad)
    assert response.status_code == 200
    assert response.context["form"].errors["opening_hours"]
    world.office.refresh_from_db()
    assert world.office.unit_minutes == 120


def test_a_seat_image_is_uploaded_and_a_fake_one_refused(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.staff)
    base = {"name": "ALPHA-SPACE", "seat_type": "booth", "quota": 3, "is_active": "on"}
    fake = SimpleUploadedFile("seat.png", b"<script>", content_type="image/png")
    refused = client.post(f"/console/spaces/{world.space.pk}/", {**base, "seat_image": fake})
    assert refused.status_code == 200 and refused.context["form"].errors["seat_image"]
    real = SimpleUploadedFile("seat.png", png(), content_type="image/png")
    saved = client.post(f"/console/spaces/{world.space.pk}/", {**base, "seat_image": real})
    assert saved.status_code == 302
    world.space.refresh_from_db()
    assert (world.space.seat_type, world.space.quota) == ("booth", 3)
    assert (tmp_path / world.space.seat_image.name).read_bytes() == png()


def test_the_quota_cannot_drop_below_the_seats_in_use(client, world):
    client.force_login(world.staff)
    base = {"name": "ALPHA-SPACE", "seat_type": "open", "quota": 0, "is_active": "on"}
    response = client.post(f"/console/spaces/{world.space.pk}/", base)
    assert response.status_code == 200 and response.context["form"].errors["quota"]
    world.space.refresh_from_db()
    assert (world.space.quota, world.space.in_use) == (2, 1)


def test_staff_assign_a_lock_and_a_secret_in_the_settings_is_refused(client, world):
    client.force_login(world.staff)
    url = f"/console/spaces/{world.space.pk}/lock/"
    client.post(url, {"driver": "simulator", "settings": '{"mode": "offline"}'})
    world.space.refresh_from_db()
    assert (world.space.lock_driver, world.space.lock_settings) == (
        "simulator",
        {"mode": "offline"},
    )
    assert AuditEntry.objects.filter(action="lock.configured").count() == 1
    client.post(url, {"driver": "simulator", "settings": '{"api_token": "s3cr3t"}'})
    client.post(url, {"driver": "no-such-driver", "settings": "{}"})
    world.space.refresh_from_db()
    assert world.space.lock_settings == {"mode": "offline"}
    assert AuditEntry.objects.filter(action="lock.configured").count() == 1


def test_an_office_opening_at_24_00_is_refused_with_its_code(client, world):
    client.force_login(world.staff)
    bad = office_form(world.office, dict.fromkeys(hours.DAYS, ("24:00", "08:00")), unit_minutes=30)
    response = client.post(f"/console/offices/{world.office.pk}/", bad, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["opening_hours"]
    assert [e.code for e in errors] == ["invalid_opening_hours"]
    assert "24:00" in errors[0].message
    world.office.refresh_from_db()
    assert world.office.unit_minutes == 120
