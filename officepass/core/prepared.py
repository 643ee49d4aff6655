"""Statements compiled once per process, for the hot paths (issue 18).

Django compiles a queryset's SQL every time it runs. On the check-in path that compiling cost
more CPU than PostgreSQL spent executing the statements (a wide `select_related` is about a
millisecond of Python). Here a queryset is compiled once, with marker values where its
arguments go; each call then only puts the arguments in the markers' places (prepared by the
same field methods Django's lookups use), executes, and builds the instances the way Django's
`ModelIterable` does (the backend's and fields' converters, `Model.from_db`, `select_related`
populators). Same SQL text, same instances: only the compiling is saved.

`insert` writes a new row the way `Model.save` does (field defaults and `pre_save`,
`get_db_prep_save`, pre/post-save signals), with the INSERT text built once per model.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar

from django.db import connection, transaction
from django.db.models import NOT_PROVIDED, Field, Model, QuerySet, signals
from django.db.models.query import get_related_populators

M = TypeVar("M", bound=Model)

_MARKER_INSTANT = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_TEXT_TYPES = {"CharField", "TextField", "EmailField", "SlugField"}
_INT_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallAutoField",
    "SmallIntegerField",
}


def _int_range(field: Field[Any, Any]) -> tuple[int, int]:
    low, high = connection.ops.integer_field_range(field.get_internal_type())
    return low, high


def _marker(field: Field[Any, Any], index: int) -> Any:
    """A value no real argument has, of the field's type, to find the argument's place."""
    kind = field.get_internal_type()
    if kind in _TEXT_TYPES:
        return f"\u2063prepared-marker-{index}\u2063"
    if kind in _INT_TYPES:  # inside the column's range, or Django compiles an empty result
        return min(_int_range(field)[1], 2**31 - 1) - 12_345 - index
    if kind == "DateTimeField":
        return _MARKER_INSTANT + timedelta(microseconds=index + 1)
    raise TypeError(f"no marker for a {kind} argument")


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    places: tuple[int, ...]  # where argument i goes in params
    ranges: tuple[tuple[int, int] | None, ...]  # integer arguments' column ranges
    model: type[Model]
    init_list: tuple[str, ...]
    start: int
    end: int
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]  # (attribute, column) as ModelIterable sets them


class PreparedSelect(Generic[M]):
    """`PreparedSelect(build, field, …).first(arg, …)` is `build(arg, …).first()` without
    compiling the SQL again: `build` returns the queryset for the arguments, and each argument
    is prepared as a lookup on the matching `field` would prepare it (each argument used once
    in the SQL: pass a value twice as two arguments). The queryset must be ordered (or unique
    by its filter); its annotations are set on the instance, as Django sets them."""

    def __init__(self, build: Callable[..., QuerySet[M]], *fields: Field[Any, Any]) -> None:
        self._build = build
        self._fields = fields
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self) -> _Compiled:
        vendor = connection.vendor
        compiled = self._compiled.get(vendor)
        if compiled is not None:
            return compiled
        with self._lock:
            markers = [_marker(field, i) for i, field in enumerate(self._fields)]
            queryset = self._build(*markers)[:1]
            compiler = queryset.query.get_compiler(using=queryset.db)
            sql, params = compiler.as_sql()
            places = []
            for field, marker in zip(self._fields, markers, strict=True):
                prepared = field.get_db_prep_value(marker, connection, prepared=False)
                found = [i for i, param in enumerate(params) if param == prepared]
                if len(found) != 1:
                    raise ValueError(f"argument {marker!r} is in the SQL {len(found)} times")
                places.append(found[0])
            klass_info, select = compiler.klass_info, compiler.select
            assert klass_info is not None
            selected = klass_info["select_fields"]
            start, end = selected[0], selected[-1] + 1
            converters = compiler.get_converters([s[0] for s in select[0 : compiler.col_count]])
            compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                places=tuple(places),
                ranges=tuple(
                    _int_range(f) if f.get_internal_type() in _INT_TYPES else None
                    for f in self._fields
                ),
                model=klass_info["model"],
                init_list=tuple(f[0].target.attname for f in select[start:end]),
                start=start,
                end=end,
                converters=tuple(
                    (pos, tuple(convs), expression)
                    for pos, (convs, expression) in converters.items()
                ),
                # Django 5.2's signature (the stubs already follow Django 6's).
                populators=tuple(get_related_populators(klass_info, select, queryset.db)),  # type: ignore[call-arg]
                annotations=tuple(compiler.annotation_col_map.items()),
            )
            self._compiled[vendor] = compiled
            return compiled

    def first(self, *args: Any) -> M | None:
        compiled = self._compile()
        params = list(compiled.params)
        for field, place, bounds, arg in zip(
            self._fields, compiled.places, compiled.ranges, args, strict=True
        ):
            if bounds is not None and not bounds[0] <= arg <= bounds[1]:
                return None  # as Django: a number the column cannot hold matches no row
            params[place] = field.get_db_prep_value(arg, connection, prepared=False)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            fetched = cursor.fetchone()
        if fetched is None:
            return None
        row = list(fetched)
        for pos, convs, expression in compiled.converters:
            value = row[pos]
            for convert in convs:
                value = convert(value, expression, connection)
            row[pos] = value
        obj = compiled.model.from_db(
            connection.alias, compiled.init_list, row[compiled.start : compiled.end]
        )
        for populator in compiled.populators:
            populator.populate(row, obj)
        for attribute, column in compiled.annotations:
            setattr(obj, attribute, row[column])
        return obj  # type: ignore[return-value]


@dataclass(frozen=True)
class _InsertPlan:
    sql: str
    fields: tuple[Field[Any, Any], ...]
    returning: bool


_insert_plans: dict[tuple[type[Model], str], _InsertPlan | None] = {}


def _insert_plan(model: type[Model]) -> _InsertPlan | None:
    """The INSERT for a new row of `model`, or None where `Model.save` does more than one
    plain INSERT (inherited tables, database defaults, generated columns)."""
    key = (model, connection.vendor)
    if key in _insert_plans:
        return _insert_plans[key]
    meta = model._meta
    plan = None
    simple = not meta.parents and all(
        field.db_default is NOT_PROVIDED and not getattr(field, "generated", False)
        for field in meta.concrete_fields
    )
    if simple and meta.auto_field is not None and meta.pk is meta.auto_field:
        fields = tuple(f for f in meta.local_concrete_fields if f is not meta.auto_field)
        quote = connection.ops.quote_name
        returning = connection.features.can_return_columns_from_insert
        # Names from the model's metadata, quoted; values only as parameters.
        columns = ", ".join(quote(str(f.column)) for f in fields)
        sql = (
            f"INSERT INTO {quote(str(meta.db_table))} ({columns}) "  # noqa: S608
            f"VALUES ({', '.join(['%s'] * len(fields))})"
        )
        if returning:
            sql += f" RETURNING {quote(str(meta.pk.column))}"
        plan = _InsertPlan(sql=sql, fields=fields, returning=returning)
    _insert_plans[key] = plan
    return plan


# Values `Model.save` sends as they are, or wrapped in one type: a field of these kinds
# whose `pre_save` only reads the attribute, given a value of exactly this Python type. What
# Django does with such a value is found once per field by asking it (`_save_way`).
_PLAIN_TYPES: dict[str, type] = {
    **dict.fromkeys(_INT_TYPES, int),
    "CharField": str,
    "TextField": str,
    "EmailField": str,
    "BooleanField": bool,
    "DateTimeField": datetime,
}
_SAMPLES: dict[type, Any] = {int: 7, str: "sample", bool: True, datetime: _MARKER_INSTANT}
_Way = tuple[str, type, Callable[[Any], Any] | None]
_save_ways: dict[tuple[Field[Any, Any], str], _Way | None] = {}
# The ways of a whole list of fields, by the list's identity (the lists of the cached insert
# plans and statements): a check-in's four rows have 29 fields, and hashing each Field and
# asking `connection.vendor` (a thread-local lookup) for each cost ~50 µs a check-in (issue 18).
_ways_of_fields: dict[tuple[int, str], tuple[Sequence[Any], tuple[_Way | None, ...]]] = {}


def _ways_for(fields: Sequence[Field[Any, Any]], vendor: str) -> tuple[_Way | None, ...]:
    known = _ways_of_fields.get((id(fields), vendor))
    if known is None or known[0] is not fields:
        if len(_ways_of_fields) > 1000:  # lists made afresh for each call: keep no pile
            _ways_of_fields.clear()
        known = (fields, tuple(_save_way(field, vendor) for field in fields))
        _ways_of_fields[(id(fields), vendor)] = known
    return known[1]


def _save_way(field: Field[Any, Any], vendor: str) -> _Way | None:
    """(attname, plain type, wrapper or None) when `get_db_prep_save(pre_save(obj))` of a
    value of the plain type is the value itself (or the value in a wrapper type, as psycopg's
    Int4 for an integer column), else None: Django's way is taken for that field."""
    key = (field, vendor)
    if key in _save_ways:
        return _save_ways[key]
    way: _Way | None = None
    target = field.target_field if field.many_to_one else field  # type: ignore[attr-defined]
    plain = _PLAIN_TYPES.get(target.get_internal_type())
    django_own = all(
        type(f).__module__.startswith("django.db.models.fields") for f in (field, target)
    )
    reads_only = not (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))
    if plain is not None and django_own and reads_only and not field.many_to_many:
        sample = _SAMPLES[plain]
        probe = field.get_db_prep_save(sample, connection)
        if type(probe) is plain and probe == sample:
            way = (field.attname, plain, None)
        elif plain is int and isinstance(probe, int) and probe == sample:
            way = (field.attname, plain, type(probe))
    _save_ways[key] = way
    return way


def save_values(obj: Model, fields: Sequence[Field[Any, Any]]) -> list[Any]:
    """The values `Model.save` sends for `fields` of a new `obj`: each field's
    `get_db_prep_save(pre_save(obj, True))`, found without the call for plain values (an int
    for an integer column, an aware datetime, a str, None), which is most of a row's."""
    values: list[Any] = []
    attrs = obj.__dict__
    for field, way in zip(fields, _ways_for(fields, connection.vendor), strict=True):
        if way is not None:
            value: Any = attrs.get(way[0])
            if value is None:
                values.append(None)
                continue
            naive = way[1] is datetime and getattr(value, "tzinfo", None) is None
            if type(value) is way[1] and not naive:
                values.append(value if way[2] is None else way[2](value))
                continue
        values.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
    return values


def insert_fields(model: type[Model]) -> tuple[Field[Any, Any], ...]:
    """The columns `insert` writes for a new row of `model`: all but the auto primary key."""
    plan = _insert_plan(model)
    if plan is None:
        raise ValueError(f"{model.__name__} is not written by one plain INSERT")
    return plan.fields


def insert(obj: M) -> M:
    """Save a new instance (its primary key unset) as `obj.save(force_insert=True)` would."""
    model = type(obj)
    plan = _insert_plan(model)
    if plan is None or obj.pk is not None:
        obj.save(force_insert=True)
        return obj
    using = connection.alias
    if signals.pre_save.has_listeners(model):
        signals.pre_save.send(
            sender=model, instance=obj, raw=False, using=using, update_fields=None
        )
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    values = save_values(obj, plan.fields)
    # As in save_base: an error marks the enclosing atomic block for rollback.
    with transaction.mark_for_rollback_on_error(using), connection.cursor() as cursor:
        cursor.execute(plan.sql, values)
        pk = cursor.fetchone()[0] if plan.returning else cursor.lastrowid
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = using
    if signals.post_save.has_listeners(model):
        signals.post_save.send(
            sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
        )
    return obj
