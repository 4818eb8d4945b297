"""Stage values as bytes, derived from their types: one codec for every stage value.

`encode(value, T)` and `decode(data, T)` walk the type `T` (dataclasses, tuples, lists,
dicts with string keys, `X | None`, literals, scalars, `Path`, `bytes` and numpy arrays), so
a field added to a stage type crosses process boundaries without anyone writing code for it,
and a type the codec cannot carry fails loudly at the first use rather than losing a field.

Container: `ITPB` + header length (4 bytes, little-endian) + a JSON header (the small values,
arrays replaced by their index) + the raw bytes of the arrays (dtype, shape in the header), so
an image costs a copy, not an encode. No pickle: a blob from a shared store only ever becomes
data of the expected type.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import numpy as np
import numpy.typing as npt

MAGIC = b"ITPB"
T = TypeVar("T")
Json = Any
_ARRAY = "$a"


class CodecError(ValueError):
    """The bytes are not a value of the expected type (corrupt, or from another version)."""


def encode(value: object, tp: object) -> bytes:
    arrays: list[npt.NDArray[Any]] = []
    meta = _to_json(value, tp, arrays)
    specs = [[a.dtype.str, list(a.shape)] for a in arrays]
    header = json.dumps({"meta": meta, "arrays": specs}, separators=(",", ":")).encode()
    parts = [MAGIC, len(header).to_bytes(4, "little"), header]
    parts += [np.ascontiguousarray(a).tobytes() for a in arrays]
    return b"".join(parts)


def decode(data: bytes, tp: type[T] | Any) -> T:
    meta, arrays = _unpack(data)
    try:
        return typing.cast(T, _from_json(meta, tp, arrays))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise CodecError(f"not a {_name(tp)}: {exc}") from exc


def to_json(value: object, tp: object) -> Json:
    """A value without arrays as plain JSON data (settings, small records)."""
    arrays: list[npt.NDArray[Any]] = []
    out = _to_json(value, tp, arrays)
    if arrays:
        raise TypeError(f"a {_name(tp)} holding arrays needs `encode`")
    return out


def from_json(raw: Json, tp: type[T] | Any) -> T:
    try:
        return typing.cast(T, _from_json(raw, tp, []))
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise CodecError(f"not a {_name(tp)}: {exc}") from exc


def _unpack(data: bytes) -> tuple[Json, list[npt.NDArray[Any]]]:
    if data[:4] != MAGIC or len(data) < 8:
        raise CodecError("not an itp blob")
    size = int.from_bytes(data[4:8], "little")
    try:
        header = json.loads(data[8:8 + size])
        specs = header["arrays"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CodecError(f"bad blob header: {exc}") from exc
    offset = 8 + size
    arrays = []
    for dtype, shape in specs:
        dt = np.dtype(dtype)
        if dt.hasobject:
            raise CodecError("object arrays are not data")
        count = int(np.prod(shape)) if shape else 1
        end = offset + count * dt.itemsize
        if end > len(data):
            raise CodecError("blob truncated")
        # A copy: stages write into their arrays (the inpainter pastes in place).
        arrays.append(np.frombuffer(data[offset:end], dtype=dt).reshape(shape).copy())
        offset = end
    return header["meta"], arrays


# -- the walk ------------------------------------------------------------------------------

@cache
def _hints(cls: type) -> tuple[tuple[str, Any], ...]:
    hints = typing.get_type_hints(cls)
    return tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.init)


def _is_array(tp: object) -> bool:
    return tp is np.ndarray or get_origin(tp) is np.ndarray


def _optional_arm(tp: object) -> object | None:
    """For `X | None`, X; None for any other type."""
    if get_origin(tp) in (Union, types.UnionType):
        arms = [a for a in get_args(tp) if a is not type(None)]
        if len(arms) != 1 or len(get_args(tp)) != 2:
            raise TypeError(f"the codec carries only `X | None` unions, not {tp}")
        arm: object = arms[0]
        return arm
    return None


def _to_json(value: object, tp: object, arrays: list[npt.NDArray[Any]]) -> Json:
    arm = _optional_arm(tp)
    if arm is not None:
        return None if value is None else _to_json(value, arm, arrays)
    if _is_array(tp) or tp is bytes:
        if tp is bytes:
            value = np.frombuffer(typing.cast(bytes, value), np.uint8)
        arrays.append(typing.cast(npt.NDArray[Any], value))
        return {_ARRAY: len(arrays) - 1}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return {name: _to_json(getattr(value, name), ftp, arrays) for name, ftp in _hints(tp)}
    origin, args = get_origin(tp), get_args(tp)
    if origin in (tuple, list):
        items = list(typing.cast(typing.Iterable[object], value))
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return [_to_json(v, a, arrays) for v, a in zip(items, args, strict=True)]
        return [_to_json(v, args[0], arrays) for v in items]
    if origin is dict:
        mapping = typing.cast(dict[str, object], value)
        return {str(k): _to_json(v, args[1], arrays) for k, v in mapping.items()}
    if tp is Path:
        return str(value)
    if origin is Literal or tp in (str, int, float, bool, type(None)):
        return value
    raise TypeError(f"the codec cannot carry {tp}")


def _from_json(raw: Json, tp: object, arrays: list[npt.NDArray[Any]]) -> object:
    arm = _optional_arm(tp)
    if arm is not None:
        return None if raw is None else _from_json(raw, arm, arrays)
    if _is_array(tp):
        return arrays[raw[_ARRAY]]
    if tp is bytes:
        return arrays[raw[_ARRAY]].tobytes()
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        kwargs = {name: _from_json(raw[name], ftp, arrays) for name, ftp in _hints(tp)}
        return tp(**kwargs)
    origin, args = get_origin(tp), get_args(tp)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_from_json(v, args[0], arrays) for v in raw)
        if len(raw) != len(args):
            raise ValueError(f"expected {len(args)} items, got {len(raw)}")
        return tuple(_from_json(v, a, arrays) for v, a in zip(raw, args, strict=True))
    if origin is list:
        return [_from_json(v, args[0], arrays) for v in raw]
    if origin is dict:
        return {str(k): _from_json(v, args[1], arrays) for k, v in raw.items()}
    if tp is Path:
        return Path(raw)
    if origin is Literal:
        if raw not in args:
            raise ValueError(f"{raw!r} is not one of {args}")
        return raw
    if tp is float and isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    if tp in (str, int, bool) and type(raw) is tp:
        return raw
    if tp is type(None) and raw is None:
        return None
    raise ValueError(f"{raw!r} is not a {_name(tp)}")


def _name(tp: object) -> str:
    return getattr(tp, "__name__", str(tp))
