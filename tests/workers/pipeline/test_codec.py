"""The generic codec: every field of every stage value, set to something other than its
default, comes back equal (dtype and shape of arrays included)."""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import partial
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from workers import graph
from workers.config import JobSettings, MachineSettings
from workers.pipeline import codec
from workers.types import Block, Crop, PageLayout, PageResult, PageText

_DEFAULT_MISSING = dataclasses.MISSING


def _different(value: Any, *, default: Any) -> bool:
    if isinstance(value, np.ndarray) or isinstance(default, np.ndarray):
        return True
    return bool(value != default)


def strategy(tp: Any) -> st.SearchStrategy[Any]:
    """Values of `tp` with every dataclass field away from its default."""
    origin, args = get_origin(tp), get_args(tp)
    if origin in (Union, types.UnionType):
        arm = next(a for a in args if a is not type(None))
        return strategy(arm)  # non-None: None is every optional field's default
    if tp is np.ndarray or origin is np.ndarray:
        dtype = get_args(args[1])[0] if len(args) == 2 else np.uint8
        return hnp.arrays(np.dtype(dtype), hnp.array_shapes(min_dims=1, max_dims=3,
                                                           max_side=5))
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        fields: dict[str, st.SearchStrategy[Any]] = {}
        for f in dataclasses.fields(tp):
            base = strategy(hints[f.name])
            default = f.default if f.default is not _DEFAULT_MISSING else (
                f.default_factory() if f.default_factory is not _DEFAULT_MISSING else None)
            if default is not None:
                base = base.filter(partial(_different, default=default))
            fields[f.name] = base
        return st.builds(tp, **fields)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return st.lists(strategy(args[0]), min_size=1, max_size=3).map(tuple)
        return st.tuples(*(strategy(a) for a in args))
    if origin is list:
        return st.lists(strategy(args[0]), min_size=1, max_size=3)
    if origin is dict:
        return st.dictionaries(st.text(max_size=5), strategy(args[1]), min_size=1,
                               max_size=3)
    if origin is Literal:
        return st.sampled_from(args)
    simple: dict[Any, st.SearchStrategy[Any]] = {
        int: st.integers(-(2**40), 2**40),
        float: st.floats(allow_nan=False, allow_infinity=False),
        str: st.text(max_size=8),
        bool: st.booleans(),
        bytes: st.binary(min_size=1, max_size=16),
        Path: st.text(min_size=1, max_size=8).filter(lambda s: "\x00" not in s).map(Path),
    }
    return simple[tp]


def same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape
                and bool(np.array_equal(a, b)))
    if dataclasses.is_dataclass(a) and not isinstance(a, type):
        return type(a) is type(b) and all(same(getattr(a, f.name), getattr(b, f.name))
                                          for f in dataclasses.fields(a))
    if isinstance(a, list | tuple):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and bool(a == b)


STAGE_TYPES = [*graph.VALUES.values(), JobSettings, MachineSettings]


@pytest.mark.parametrize("tp", STAGE_TYPES, ids=str)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(data=st.data())
def test_every_field_round_trips(tp: Any, data: st.DataObject) -> None:
    value = data.draw(strategy(tp))
    back = codec.decode(codec.encode(value, tp), tp)
    assert same(value, back)


def test_the_strategy_reaches_nested_fields() -> None:
    # The property test is only as good as its reach: these are the fields a hand-written
    # codec once dropped or could drop (a crop's scale, a block's bubble, a result's lines).
    hints = {c: typing.get_type_hints(c) for c in (Crop, Block, PageResult, PageLayout,
                                                    PageText)}
    assert "scale" in hints[Crop] and "bubble" in hints[Block] and "used" in hints[PageResult]


def test_a_crop_keeps_its_scale() -> None:
    crop = Crop((0, 0, 32, 32), np.zeros((32, 32, 3), np.uint8), np.zeros((32, 32), np.uint8),
                "short", (1, 2), 0.4)
    back: list[Crop] = codec.decode(codec.encode([crop], list[Crop]), list[Crop])
    assert back[0].scale == 0.4 and back[0].block_indices == (1, 2)


def test_foreign_or_damaged_bytes_are_refused() -> None:
    good = codec.encode(PageText([], "ko"), PageText)
    for bad in (b"\x93NUMPY not ours", good[:6], good[:-1] + b"x", b"ITPB" + b"\xff" * 8):
        with pytest.raises(codec.CodecError):
            codec.decode(bad, PageText)
    with pytest.raises(codec.CodecError):
        codec.decode(good, PageLayout)


def test_a_type_the_codec_cannot_carry_fails_loudly() -> None:
    with pytest.raises(TypeError, match="cannot carry"):
        codec.encode({1, 2}, set[int])
