"""ORM objects made from a plain row: a statement of columns (SQLAlchemy Core) instead of an ORM query, for a row
read on every request (the signed-in user and the unit; views/auth.py ``load_user``).

An ORM query of one user joined with its unit cost some 860 Python calls on every request (the ORM's compile
state, loading context, row processors, the joined eager load), more than the rest of the request's statements'
execution together. Here the same columns are read as a Core row and each object is made as the ORM makes a
loaded one: an instance of the mapped class with its column values as committed state, its identity key set,
then added to the session as persistent (nothing to flush), every other attribute (relationships) loaded on
first use as usual. The objects are the session's own: they expire at commit and are refreshed from the
database like any loaded object, and nothing is kept beyond the request.

tests/test_session_user.py compares such objects with the ORM's own (every column, identity, state, a change
flushed as an UPDATE of the changed column only)."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session, attributes, make_transient_to_detached


class RowShape:
    """Column attributes of a mapped class, in the order a statement selects them: ``keys`` (the primary key among
    them), or all. The others are left unloaded: read on first use, all together, as the ORM reads deferred or
    expired columns."""

    def __init__(self, model, keys: tuple[str, ...] | None = None):
        self.model = model
        self.mapper = sa.inspect(model)
        if any(len(prop.columns) != 1 for prop in self.mapper.column_attrs) or self.mapper.polymorphic_on is not None \
                or self.mapper.version_id_col is not None:
            raise TypeError(f"{model.__name__}: only plain one-column attributes can be made from a row")
        self.keys = list(keys) if keys is not None else [prop.key for prop in self.mapper.column_attrs]
        self.columns = [self.mapper.column_attrs[key].columns[0] for key in self.keys]
        self.primary_key = [self.keys.index(self.mapper.get_property_by_column(column).key)
                            for column in self.mapper.primary_key]

    def identity(self, values) -> tuple:
        return self.mapper.identity_key_from_primary_key([values[i] for i in self.primary_key])

    def persistent(self, session: Session, values):
        """The object of ``values`` (one value per column, in ``self.columns``' order), persistent in ``session``.
        Returns None if the session already holds this row's object (the caller then loads it the usual way)."""
        key = self.identity(values)
        if key in session.identity_map:
            return None
        obj = self.mapper.class_manager.new_instance()
        obj.__dict__.update(zip(self.keys, values))
        make_transient_to_detached(obj)  # the identity key set, the values committed, the rest unloaded
        session.add(obj)  # a detached object with an identity: persistent, clean, nothing to flush
        return obj


def set_loaded(obj, key: str, value) -> None:
    """A relationship's value as if loaded with the object (no history, nothing to flush)."""
    attributes.set_committed_value(obj, key, value)
