"""Rows written with one Core statement and handed back as ORM objects, as if just loaded: the hot path's inserts.

The unit of work's flush costs several times the statement it sends; the turn inserts its conversation and its
ticket this way (every column given, so nothing is left to load), and changes to them flush as usual.
"""
from __future__ import annotations

import functools
from typing import Any, TypeVar

from sqlalchemy import Insert, insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

T = TypeVar("T")


def insert_row(session: Session, model: type[T], values: dict[str, Any], **related: Any) -> T:
    """Insert one row of model (its id from RETURNING) and return it persistent in the session; `related` are
    relationships already known (the citizen of a conversation), set without a load."""
    row = complete(model, values)
    row["id"] = session.connection().execute(_insert(model), row).scalar_one()
    obj = model(**row)
    make_transient_to_detached(obj)  # what a query would have returned: no pending changes, identity known
    session.add(obj)
    for name, value in related.items():
        set_committed_value(obj, name, value)
    return obj


def loaded(session: Session, model: type[T], values: dict[str, Any]) -> T:
    """The object for a row a Core statement returned (every column), persistent in the session: the one the
    session holds already, refreshed, or a new one, as a query with populate_existing would give."""
    obj = session.identity_map.get(session.identity_key(model, values["id"]))
    if obj is None:
        obj = model(**values)
        make_transient_to_detached(obj)
        session.add(obj)
    else:
        for key, value in values.items():
            set_committed_value(obj, key, value)
    return obj


def complete(model: type, values: dict[str, Any]) -> dict[str, Any]:
    """Every column of model's table but the id: given, else its Python default, else None."""
    out = {}
    for column in model.__table__.columns:
        if column.primary_key:
            continue
        if column.key in values:
            out[column.key] = values[column.key]
        elif column.default is not None and column.default.is_scalar:
            out[column.key] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            out[column.key] = column.default.arg(None)  # list, dict: SQLAlchemy wraps them to take a context
        else:
            out[column.key] = None
    unknown = set(values) - set(out)
    if unknown:
        raise TypeError(f"{model.__name__} has no columns {sorted(unknown)}")
    return out


@functools.cache
def _insert(model: type) -> Insert:
    return insert(model).returning(model.__table__.c.id)
