"""Opening hours in the office's time zone."""

from datetime import UTC, datetime

import pytest

from officepass.offices import hours

NIGHT_CLOSED = {d: ["08:00", "22:00"] for d in hours.DAYS}


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_it_finds_todays_window_in_the_offices_time_zone():
    window = hours.open_window(NIGHT_CLOSED, [], "Asia/Tokyo", utc(2026, 11, 24, 1))
    assert window == (utc(2026, 11, 23, 23), utc(2026, 11, 24, 13))


def test_it_is_closed_at_night():
    assert hours.open_window(NIGHT_CLOSED, [], "Asia/Tokyo", utc(2026, 11, 24, 14)) is None


def test_a_late_night_window_runs_past_midnight():
    late = {**NIGHT_CLOSED, "tue": ["18:00", "02:00"]}
    window = hours.open_window(late, [], "Asia/Tokyo", utc(2026, 11, 24, 16))  # Wed 01:00
    assert window == (utc(2026, 11, 24, 9), utc(2026, 11, 24, 17))


def test_all_day_days_join_up_and_a_closed_weekday_ends_the_chain():
    week = {**hours.always_open(), "sun": None}
    _, end = hours.open_window(week, [], "Asia/Tokyo", utc(2026, 11, 24, 3))
    assert end == utc(2026, 11, 28, 15)  # Sunday 00:00 Tokyo


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {**NIGHT_CLOSED, "mon": ["25:00", "26:00"]},
        {**NIGHT_CLOSED, "mon": ["08:00"]},
        {**NIGHT_CLOSED, "mon": ["08:00", "08:00"]},
    ],
)
def test_it_rejects_unusable_hours(bad):
    with pytest.raises(ValueError):
        hours.validate(bad, [], "Asia/Tokyo")


def test_it_rejects_an_unknown_time_zone():
    with pytest.raises(ValueError):
        hours.validate(NIGHT_CLOSED, [], "Mars/Olympus")


@pytest.mark.parametrize(
    ("span", "reason"),
    [
        (["24:00", "08:00"], "opens_at_24"),  # was taken as a 32-hour window
        (["24:00", "24:00"], "opens_at_24"),
        (["08:00", "24:01"], "time"),
        (["8:00", "22:00"], "time"),
        (["08:00", "22:00:00"], "time"),
        (["-1:00", "08:00"], "time"),
        ([800, 2200], "time"),
        (["00:00", "00:00"], "same"),
    ],
)
def test_it_refuses_hours_outside_the_day_with_a_stable_code(span, reason):
    with pytest.raises(hours.HoursError) as error:
        hours.validate({**NIGHT_CLOSED, "wed": span}, [], "Asia/Tokyo")
    assert (error.value.code, error.value.reason, error.value.day) == (
        "invalid_opening_hours",
        reason,
        "wed",
    )
    assert str(error.value).startswith("wed: ")


@pytest.mark.parametrize(
    "span", [["00:00", "24:00"], ["08:00", "24:00"], ["18:00", "00:00"], ["22:00", "08:00"]]
)
def test_it_accepts_24_00_as_a_close_and_overnight_spans(span):
    hours.validate({**NIGHT_CLOSED, "wed": span}, [], "Asia/Tokyo")


def test_bad_closed_dates_are_refused_with_the_same_code():
    with pytest.raises(hours.HoursError) as error:
        hours.validate(NIGHT_CLOSED, ["2026-02-30"], "Asia/Tokyo")
    assert (error.value.code, error.value.reason) == ("invalid_opening_hours", "closed_dates")
