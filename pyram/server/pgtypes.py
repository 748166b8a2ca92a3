"""Every PyRAM type on the PostgreSQL wire: a :class:`WireType` per PostgreSQL type OID.

A PyRAM column type owns its wire forms (``DataType.pg_oid``, ``pg_text``/``pg_binary``,
``from_pg_text``/``from_pg_binary``, see :mod:`pyram.types.pgwire`); :func:`wire_type` only
wraps them, so a new column type needs nothing here. What stays here is about PostgreSQL types
PyRAM does not store but clients declare for a parameter or the catalogue's own columns use
(``int4``, ``int2``, ``float4``, ``oid``, ``varchar``, ``bpchar``, ``name``, ``json``): each
reads into the PyRAM type that stores it.

Decoding is strict: a malformed value is a :class:`~pyram.errors.DataError`, never a silent
coercion. Formats follow PostgreSQL 15 (``DateStyle = ISO``, ``integer_datetimes = on``).
"""

from __future__ import annotations

import enum
import struct
from collections.abc import Callable
from decimal import InvalidOperation
from typing import Any, Final

import attrs

from pyram.errors import DataError
from pyram.types import INTEGER, JSON_TYPE, REAL, TEXT, DataType, EnumType, registered_types
from pyram.types.pg_types import PgType, pg_type_by_name, pg_type_by_oid

__all__ = ["OIDS", "TEXT_WIRE", "WireType", "wire_type", "wire_type_for_oid"]


@attrs.frozen
class WireType:
    """How values of one PostgreSQL type cross the wire."""

    name: str  #: the PostgreSQL type name (``int8``, ``text``, ...)
    to_text: Callable[[Any], str]
    from_text: Callable[[str], Any]
    to_binary: Callable[[Any], bytes]
    from_binary: Callable[[bytes], Any]

    @property
    def oid(self) -> int:
        """The type's OID (from :mod:`pyram.types.pg_types`, the one table of OIDs)."""
        return _catalog(self.name).oid

    @property
    def size(self) -> int:
        """The typlen RowDescription reports (-1: variable length)."""
        return _catalog(self.name).length

    def encode(self, value: Any, binary: bool) -> bytes:
        """The field bytes of a non-NULL value."""
        if isinstance(value, enum.Enum):
            value = value.value
        return self.to_binary(value) if binary else self.to_text(value).encode()

    def decode(self, data: bytes, binary: bool) -> Any:
        """The Python value of a non-NULL parameter.

        Raises:
            DataError: the bytes are not a value of this type.
        """
        try:
            return self.from_binary(data) if binary else self.from_text(data.decode())
        except (ValueError, struct.error, InvalidOperation, UnicodeDecodeError) as exc:
            raise DataError(f"invalid input for type {self.name}: {exc}") from None


def _catalog(name: str) -> PgType:
    found = _CATALOG.get(name)
    if found is None:  # RowDescription asks for every column of every result: looked up once
        found = pg_type_by_name(name)
        assert found is not None, name  # every wire type is a type of pyram.types.pg_types
        _CATALOG[name] = found
    return found


_CATALOG: dict[str, PgType] = {}


def _of(dtype: DataType) -> WireType:
    """The wire type a column type's own PostgreSQL codecs make."""
    found = pg_type_by_oid(dtype.pg_oid)
    name = "text" if found is None else found.name
    return WireType(name, dtype.pg_text, dtype.from_pg_text, dtype.pg_binary, dtype.from_pg_binary)


def _sized_int(form: str) -> Callable[[bytes], int]:
    """A binary integer parameter of PostgreSQL's width ``form`` (``!i``, ``!h``, ``!I``)."""
    packer = struct.Struct(form)

    def read(data: bytes) -> int:
        return int(packer.unpack(data)[0])

    return read


def _float4(data: bytes) -> float:
    return float(struct.unpack("!f", data)[0])


def _text_binary(value: Any) -> bytes:
    return TEXT.pg_text(value).encode()


def _json_from_binary(data: bytes) -> Any:
    return JSON_TYPE.from_pg_text(data.decode())


# The PostgreSQL types PyRAM stores as another one (narrower integers and floats, text
# spellings, json as opposed to jsonb): their own binary widths, the storing type's text forms.
_INT = _of(INTEGER)
_FLOAT = _of(REAL)
_TEXT = _of(TEXT)
_NOT_STORED: Final = (
    attrs.evolve(_INT, name="int4", to_binary=struct.Struct("!i").pack,
                 from_binary=_sized_int("!i")),
    attrs.evolve(_INT, name="int2", to_binary=struct.Struct("!h").pack,
                 from_binary=_sized_int("!h")),
    attrs.evolve(_INT, name="oid", to_binary=struct.Struct("!I").pack,
                 from_binary=_sized_int("!I")),
    attrs.evolve(_FLOAT, name="float4", to_binary=struct.Struct("!f").pack, from_binary=_float4),
    attrs.evolve(_TEXT, name="varchar"),
    attrs.evolve(_TEXT, name="bpchar"),
    attrs.evolve(_TEXT, name="name"),
    attrs.evolve(_of(JSON_TYPE), name="json", to_binary=_text_binary,
                 from_binary=_json_from_binary),
)  # fmt: skip

#: The wire form of text, for values of no known type.
TEXT_WIRE: Final = _TEXT
_BY_TYPE: Final[dict[DataType, WireType]] = {t: _of(t) for t in registered_types() if t.pg_oid}
#: Every wire type by OID: what a client may declare for a parameter.
OIDS: Final[dict[int, WireType]] = {w.oid: w for w in (*_BY_TYPE.values(), *_NOT_STORED)}


def wire_type(dtype: DataType | None) -> WireType:
    """The wire type of a PyRAM type (an ENUM column's is its members' values' type), ``text``
    for None or a type without a PostgreSQL counterpart."""
    if dtype is None:
        return _TEXT
    if isinstance(dtype, EnumType):
        # values cross the wire as the members' values (WireType.encode unwraps a member)
        return OIDS.get(dtype.pg_oid, _TEXT)
    found = _BY_TYPE.get(dtype)
    if found is not None:
        return found
    return _of(dtype) if dtype.pg_oid else _TEXT  # a narrowed JSON type is made per use


def wire_type_for_oid(oid: int) -> WireType | None:
    """The wire type of a PostgreSQL type OID, or None for one PyRAM does not know."""
    return OIDS.get(oid)
