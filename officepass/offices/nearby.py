"""The light nearest list (`GET /api/v1/offices/nearby`, issue 18): open offices nearest
first, each with its spaces' availability — what a map or a "where can I go now" list shows.

It reads only what it returns, in statements whose text is built once: ring by ring the offices
inside a box (the `office_lat_lng` index), then the nearest candidates' spaces' counters.
Distances are the same haversine, in the same order (nearest, then lowest id), as
`selectors.offices_nearest`, so the list matches `GET /api/v1/offices?lat&lng`. On PostgreSQL
the ring's statement measures, orders and cuts the candidates itself and returns the nearest
with their name and hours (the same operations on the same doubles as `selectors.within`, so
the same floats); elsewhere the ring's coordinates are measured here and a second statement
reads the nearest's name and hours. Opening hours are read as stored and each distinct
timetable is worked out once per request (most offices share one).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection

from officepass.offices import hours
from officepass.offices.models import Office, Space
from officepass.offices.selectors import (
    EARTH_RADIUS_M,
    SEARCH_RINGS_M,
    nearest_within,
    ring_box,
    symbol,
)


@cache
def _box_sql(
    seat_type: bool, available: bool, box: bool, columns: str = "o.id, o.lat, o.lng"
) -> str:
    """The matching active offices (inside the ring's box, with `box`): parameters the box's
    four, then the seat type."""
    office, space = Office._meta.db_table, Space._meta.db_table
    where = ["o.is_active"]
    if box:
        where.append("o.lat BETWEEN %s AND %s AND o.lng BETWEEN %s AND %s")
    if seat_type or available:
        spaces = ["s.is_active"]
        if seat_type:
            spaces.append("s.seat_type = %s")
        if available:
            spaces.append("s.in_use < s.quota")
        where.append(f"o.id IN (SELECT s.office_id FROM {space} s WHERE {' AND '.join(spaces)})")  # noqa: S608
    return f"SELECT {columns} FROM {office} o WHERE {' AND '.join(where)}"  # noqa: S608


# `selectors.within`'s haversine, operation for operation on the same doubles (PostgreSQL's
# radians multiplies by the same constant as Python's; sin, cos, asin, sqrt and power are the C
# library's, as Python's math module): parameters 2R, the point's latitude in radians, its
# cosine and its longitude.
_DISTANCE = (
    "%s::float8 * asin(sqrt(power(sin((radians(o.lat) - %s::float8) / 2::float8), 2::float8)"
    " + %s::float8 * cos(radians(o.lat))"
    " * power(sin(radians(o.lng - %s::float8) / 2::float8), 2::float8)))"
)


@cache
def _ring_sql(seat_type: bool, available: bool, box: bool) -> str:
    """PostgreSQL: a ring's `wanted` nearest offices within its radius (all with no box),
    nearest then lowest id, with what the list shows of them: parameters the distance's four,
    the box's four, the seat type, the radius, the number wanted."""
    columns = "o.id, o.name, o.lat, o.lng, o.opening_hours, o.closed_dates, o.timezone"
    inner = _box_sql(seat_type, available, box, columns=f"{columns}, {_DISTANCE} AS distance")
    radius = " WHERE c.distance <= %s::float8" if box else ""
    return (
        "SELECT c.id, c.distance, c.name, c.lat, c.lng, c.opening_hours, c.closed_dates,"  # noqa: S608
        f" c.timezone FROM ({inner}) c{radius} ORDER BY c.distance, c.id LIMIT %s"
    )


def _in(sql: str, ids: Sequence[int]) -> tuple[str, list[Any]]:
    """`id IN_IDS` for these ids: on PostgreSQL `= ANY(%s::bigint[])` with one parameter, the
    array's text (`{1,2,3}`, cheaper to write than psycopg's array dumper), so the statement's
    text is the same whatever their number and the server prepares it once per connection;
    elsewhere one placeholder per id."""
    if connection.vendor == "postgresql":
        literal = "{" + ",".join(map(str, ids)) + "}"
        return sql.replace("IN_IDS", "= ANY(%s::bigint[])"), [literal]
    return sql.replace("IN_IDS", f"IN ({', '.join(['%s'] * len(ids))})"), list(ids)


Row = tuple[int, float, str, float, float, Any, Any, str]  # id, metres, name, lat, lng, hours…


def _ranked(
    lat: float, lng: float, *, seat_type: str | None, available: bool, wanted: int
) -> list[Row]:
    """(id, metres, name, lat, lng, opening hours, closed dates, time zone) of the `wanted`
    nearest matching offices, ring by ring: within a ring of radius r every office closer than
    r is found, so once `wanted` of them lie within r they are exactly the nearest."""
    extra: list[Any] = [seat_type] if seat_type else []
    on_postgresql = connection.vendor == "postgresql"
    if on_postgresql:
        p1 = math.radians(lat)
        measure: list[Any] = [2 * EARTH_RADIUS_M, p1, math.cos(p1), lng]
    # Start one ring inside the one that last sufficed for this many offices (a network's
    # density changes slowly): most searches then read one or two boxes, not four. Any ring
    # gives the exact answer once it holds enough offices; a ring too small only costs a read.
    first = max(_LAST_RING.get(wanted, 0) - 1, 0)
    with connection.cursor() as cursor:
        for index, radius in enumerate(SEARCH_RINGS_M[first:], start=first):
            box = radius is not None
            bounds = list(ring_box(lat, lng, radius)) if radius is not None else []
            if on_postgresql:
                within = [radius] if box else []
                sql = _ring_sql(bool(seat_type), available, box)
                cursor.execute(sql, measure + bounds + extra + within + [wanted])
                found = cursor.fetchall()
                # Fewer than wanted inside this ring: the next one.
                rows: list[Row] | None = None if box and len(found) < wanted else found
            else:
                cursor.execute(_box_sql(bool(seat_type), available, box), bounds + extra)
                located = nearest_within(lat, lng, cursor.fetchall(), radius=radius, wanted=wanted)
                rows = None if located is None else _with_details(cursor, located)
            if rows is not None:
                _LAST_RING[wanted] = index
                return rows
    return []


def _with_details(cursor: Any, located: list[tuple[int, float]]) -> list[Row]:
    """The ranked (id, metres) with each office's name, coordinates and hours, in rank order."""
    if not located:
        return []
    cursor.execute(*_in(_DETAILS, [pk for pk, _ in located]))
    details = {row[0]: row[1:] for row in cursor.fetchall()}
    return [(pk, dist, *details[pk]) for pk, dist in located]


_LAST_RING: dict[int, int] = {}  # wanted → index of the ring that last held enough


_DETAILS = f"SELECT id, name, lat, lng, opening_hours, closed_dates, timezone FROM {Office._meta.db_table} WHERE id IN_IDS"  # noqa: E501, S608
_SPACES = f"SELECT office_id, id, seat_type, quota, in_use FROM {Space._meta.db_table} WHERE is_active AND office_id IN_IDS ORDER BY id"  # noqa: E501, S608


def _loaded(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def offices_nearby(
    *,
    lat: float,
    lng: float,
    seat_type: str | None,
    available: bool | None,
    limit: int,
    at: datetime,
) -> list[dict[str, Any]]:
    """Open matching offices nearest first: `{id, name, lat, lng, distance_m, closes_at,
    spaces: [{id, seat_type, remaining, symbol}]}`."""
    windows: dict[tuple[Any, Any, str], tuple[datetime, datetime] | None] = {}
    wanted = limit * 2
    while True:
        ranked = _ranked(lat, lng, seat_type=seat_type, available=bool(available), wanted=wanted)
        found: list[tuple[int, float, str, float, float, datetime]] = []
        for pk, dist, name, o_lat, o_lng, opening, closed, tz in ranked:
            key = (opening, closed, tz)  # as stored: one timetable worked out once
            if key not in windows:
                windows[key] = hours.open_window(_loaded(opening), _loaded(closed), tz, at)
            window = windows[key]
            if window is not None:
                found.append((pk, dist, name, o_lat, o_lng, window[1]))
                if len(found) == limit:
                    break
        if len(found) >= limit or len(ranked) < wanted:
            break
        wanted *= 4
    spaces: dict[int, list[dict[str, Any]]] = {pk: [] for pk, *_ in found}
    if spaces:
        with connection.cursor() as cursor:
            cursor.execute(*_in(_SPACES, list(spaces)))
            for office_id, space_id, kind, quota, in_use in cursor.fetchall():
                remaining = max(quota - in_use, 0)
                spaces[office_id].append(
                    {
                        "id": space_id,
                        "seat_type": kind,
                        "remaining": remaining,
                        "symbol": symbol(remaining),
                    }
                )
    return [
        {
            "id": pk,
            "name": name,
            "lat": o_lat,
            "lng": o_lng,
            "distance_m": round(dist, 1),
            "closes_at": closes_at,
            "spaces": spaces[pk],
        }
        for pk, dist, name, o_lat, o_lng, closes_at in found
    ]
