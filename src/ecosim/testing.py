"""Helpers for checking kernels against their reference bodies.

Used by the test suite and available to users who write their own kernels.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ecosim.kernels._jit import reference

__all__ = ["assert_backends_agree"]


def assert_backends_agree(kernel: Any, *args: Any, rtol: float = 0.0) -> tuple[Any, list[Any]]:
    """Run ``kernel`` compiled and as its reference body on copies of ``args``; compare.

    Every array argument, and every array inside a (named) tuple argument, is
    compared after the call (kernels write some outputs in place), and so are
    the return values. By default the comparison is exact:
    the kernels are written so that both backends give the same numbers.

    Args:
        kernel: A kernel from :mod:`ecosim.kernels` (a Numba dispatcher).
        *args: Its arguments; they are copied, never modified.
        rtol: Relative tolerance for floating-point arrays (0 = exact).

    Returns:
        The compiled call's return value and its (modified) argument copies.

    Raises:
        AssertionError: An output differs; the message names the argument.
    """
    compiled_args = copy.deepcopy(list(args))
    reference_args = copy.deepcopy(list(args))
    got = kernel(*compiled_args)
    want = reference(kernel)(*reference_args)
    _compare("return value", got, want, rtol)
    for i, (a, b) in enumerate(zip(compiled_args, reference_args, strict=True)):
        if isinstance(a, np.ndarray | tuple):
            _compare(f"argument {i}", a, b, rtol)
    return got, compiled_args


def _compare(what: str, got: Any, want: Any, rtol: float) -> None:
    if isinstance(got, tuple):
        names = getattr(got, "_fields", range(len(got)))
        for name, g, w in zip(names, got, want, strict=True):
            _compare(f"{what}.{name}" if isinstance(name, str) else f"{what}[{name}]", g, w, rtol)
        return
    got_a, want_a = np.asarray(got), np.asarray(want)
    if got_a.shape != want_a.shape:
        raise AssertionError(f"{what}: shapes differ, compiled {got_a.shape} vs {want_a.shape}")
    if rtol and np.issubdtype(got_a.dtype, np.floating):
        np.testing.assert_allclose(got_a, want_a, rtol=rtol, err_msg=what)
    elif not np.array_equal(got_a, want_a, equal_nan=np.issubdtype(got_a.dtype, np.floating)):
        bad = np.flatnonzero(np.asarray(got_a != want_a).ravel())
        raise AssertionError(
            f"{what}: compiled and reference differ at {bad.size} positions, first {bad[:5]}"
        )
