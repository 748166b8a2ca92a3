"""Structured column types: UUID, Enum subclasses and JSON documents.

Enum and JSON columns store an immutable encoding instead of the user's object: an Enum member is
stored as its ``.value`` (so SQL can compare it with a literal and indexes hash plain values), and a
JSON document as canonical JSON text (so a dict handed out can be mutated without touching the
database). :meth:`DataType.from_storage` turns them back at the edge.
"""

from __future__ import annotations

import enum
import json
import math
import re
import uuid
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from pyram.errors import DataError
from pyram.types import codecs
from pyram.types.base import DataType
from pyram.types.scalars import INTEGER, TEXT, TextType

__all__ = ["EnumType", "JsonType", "UuidType"]

_CANONICAL_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class UuidType(DataType):
    """UUID: ``uuid.UUID``."""

    sql_name: ClassVar[str] = "UUID"
    family: ClassVar[str] = "uuid"
    exact_types: ClassVar[frozenset[type]] = frozenset({uuid.UUID})

    @property
    def python_type(self) -> type:
        return uuid.UUID

    def check(self, value: object) -> Any:
        if isinstance(value, uuid.UUID):
            return value
        raise DataError("expected UUID")

    pg_oid: ClassVar[int] = 2950  # uuid
    sqlalchemy_type: ClassVar[str] = "UUID"

    def to_text(self, stored: Any) -> str:
        return str(stored)

    def from_text(self, text: str) -> Any:
        if not _CANONICAL_UUID.fullmatch(text):
            raise ValueError(f"not a canonical UUID: {text!r}")
        return uuid.UUID(text)

    def encode_values(self, values: Sequence[Any]) -> bytes:
        return bytes([codecs.FIXED16]) + b"".join(u.bytes for u in values)

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        _, body = codecs.layout_body(payload, self.name, codecs.FIXED16)
        if len(body) != 16 * count:
            raise ValueError(f"{len(body)} bytes for {count} UUIDs")
        raw = bytes(body)
        return [uuid.UUID(bytes=raw[i : i + 16]) for i in range(0, len(raw), 16)]

    def from_sql_text(self, text: str) -> Any | None:
        try:
            return uuid.UUID(text)
        except ValueError:
            return None

    def from_input(self, text: str) -> Any:
        return uuid.UUID(text)

    def pg_binary(self, value: Any) -> bytes:
        return bytes(value.bytes)

    def from_pg_binary(self, data: bytes) -> Any:
        return uuid.UUID(bytes=bytes(data))


class EnumType(DataType):
    """A column of one ``enum.Enum`` subclass, stored as the members' values.

    The SQL type is TEXT when every member's value is a str, INTEGER when every value is an int.
    """

    encodes: ClassVar[bool] = True

    def __init__(self, enum_class: type[enum.Enum]) -> None:
        values = [m.value for m in enum_class]
        if values and all(type(v) is str for v in values):
            self._sql_name = "TEXT"
        elif values and all(type(v) is int for v in values):
            self._sql_name = "INTEGER"
        else:
            raise DataError(
                f"enum {enum_class.__name__} needs members whose values are all str or all int"
            )
        self.enum_class = enum_class
        self._by_value: dict[Any, enum.Enum] = {m.value: m for m in enum_class}
        # the stored values are plain TEXT or INTEGER: their codecs are the value type's
        self._values: DataType = TEXT if self._sql_name == "TEXT" else INTEGER

    @property
    def name(self) -> str:
        return self._sql_name

    @property
    def family(self) -> str:  # type: ignore[override]
        return "text" if self._sql_name == "TEXT" else "numeric"

    @property
    def python_type(self) -> type:
        return self.enum_class

    def check(self, value: object) -> Any:
        if isinstance(value, self.enum_class):
            return value.value
        raise DataError(f"expected a member of {self.enum_class.__name__}")

    def from_storage(self, stored: Any) -> Any:
        return None if stored is None else self._by_value[stored]

    def decoder(self) -> Callable[[Any], Any]:
        return self.from_storage

    @property
    def pg_oid(self) -> int:  # type: ignore[override]
        return self._values.pg_oid

    @property
    def dbapi_group(self) -> str:  # type: ignore[override]
        return self._values.dbapi_group

    @property
    def numeric_kind(self) -> DataType:
        return self._values if self.family == "numeric" else self

    def to_text(self, stored: Any) -> str:
        return self._values.to_text(stored)

    def from_text(self, text: str) -> Any:
        return self._values.from_text(text)

    def encode_values(self, values: Sequence[Any]) -> bytes:
        return self._values.encode_values(values)

    def decode_values(self, payload: bytes | memoryview, count: int) -> list[Any]:
        return self._values.decode_values(payload, count)

    def from_sql_text(self, text: str) -> Any | None:
        return self._values.from_sql_text(text)

    def from_input(self, text: str) -> Any:
        return self.enum_class(self._values.from_input(text))

    def display(self, value: Any) -> str:
        return self._values.display(value.value)  # what is stored

    def sql_literal(self, value: Any) -> str:
        return self._values.sql_literal(value.value)

    def pg_text(self, value: Any) -> str:
        return self._values.pg_text(value.value)

    def pg_binary(self, value: Any) -> bytes:
        return self._values.pg_binary(value.value)

    def from_pg_text(self, text: str) -> Any:
        return self.enum_class(self._values.from_pg_text(text))

    def from_pg_binary(self, data: bytes) -> Any:
        return self.enum_class(self._values.from_pg_binary(data))

    def __repr__(self) -> str:
        return f"<EnumType {self.enum_class.__name__} as {self.name}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EnumType) and other.enum_class is self.enum_class

    def __hash__(self) -> int:
        return hash((EnumType, self.enum_class))


def _check_json(value: object, depth: int) -> None:
    """Reject what JSON cannot represent faithfully (depth-bounded, no recursion blow-up)."""
    if depth > 200:
        raise DataError("JSON document nested too deeply (limit 200)")
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise DataError("JSON cannot hold NaN or infinity")
        return
    if isinstance(value, list | tuple):
        for item in value:
            _check_json(item, depth + 1)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise DataError(f"JSON object keys must be str, got {type(key).__name__}")
            _check_json(item, depth + 1)
        return
    raise DataError(f"{type(value).__name__} is not a JSON value")


class JsonType(DataType):
    """JSON: a document stored as JSON text.

    ``containers`` restricts the top level: ``(dict,)`` for a ``dict[...]`` annotation,
    ``(list,)`` for ``list[...]``, both for :data:`pyram.JSON`. Element types inside the
    document are JSON's own (checked to be representable), not the annotation's parameters.
    """

    sql_name: ClassVar[str] = "JSON"
    family: ClassVar[str] = "json"
    encodes: ClassVar[bool] = True

    def __init__(self, containers: tuple[type, ...] = (dict, list)) -> None:
        self.containers = containers

    @property
    def python_type(self) -> type:
        return self.containers[0]

    def check(self, value: object) -> Any:
        if not isinstance(value, self.containers):
            kinds = " or ".join(c.__name__ for c in self.containers)
            raise DataError(f"expected a JSON document ({kinds})")
        _check_json(value, 0)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    def from_storage(self, stored: Any) -> Any:
        return None if stored is None else json.loads(stored)

    def decoder(self) -> Callable[[Any], Any]:
        return self.from_storage

    def __hash__(self) -> int:
        return hash((JsonType, self.containers))

    pg_oid: ClassVar[int] = 3802  # jsonb
    sqlalchemy_type: ClassVar[str] = "JSON"

    def json_writer(self) -> Callable[[Any], Any]:
        return json.loads  # the document itself, not its text

    def from_json(self, value: Any) -> Any:
        if not isinstance(value, dict | list):
            raise ValueError(f"expected a JSON object or array, got {codecs.json_excerpt(value)}")
        return codecs.json_dumps(value)

    # stored as its JSON text: files and the log carry it as TEXT does
    to_text = TextType.to_text
    from_text = TextType.from_text
    decode_values = TextType.decode_values

    def display(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))

    def pg_text(self, value: Any) -> str:
        return json.dumps(value, ensure_ascii=False)

    def from_pg_text(self, text: str) -> Any:
        return json.loads(text)

    def pg_binary(self, value: Any) -> bytes:
        return b"\x01" + self.pg_text(value).encode("utf-8")  # jsonb version 1, then text

    def from_pg_binary(self, data: bytes) -> Any:
        if data[:1] != b"\x01":
            raise ValueError("unknown jsonb binary version")
        return json.loads(data[1:].decode("utf-8"))
