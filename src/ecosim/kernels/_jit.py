"""The one place that sets Numba options and selects the backend.

Kernels are plain functions decorated with :func:`kernel`. The decorated object
is a Numba dispatcher; its uncompiled body (``.py_func``) is the reference
implementation. :func:`select` returns the compiled kernel (``backend="numba"``)
or the reference body run by the interpreter (``backend="python"``).
``NUMBA_DISABLE_JIT=1`` also works: then both backends run Python.

Rules for kernel bodies, so that both backends give identical numbers:

* transcendental functions come from :mod:`math` (libm in both backends), not
  NumPy ufuncs on scalars (NumPy may use its own SIMD implementations);
* no fastmath: reassociation and contraction change the last bits, and a
  comparison against a random number can then flip;
* integer hashing is done on ``np.uint64`` values with ``np.uint64`` constants
  (Numba promotes mixed signed/unsigned arithmetic to float);
* a float32 array element enters arithmetic through ``float(...)``: NumPy 2 keeps
  ``float32 * python_float`` in float32, Numba computes it in float64.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import numpy as np

__all__ = ["BACKENDS", "KERNELS", "OPTIONS", "kernel", "select"]

#: Backends a model can run on.
BACKENDS: tuple[str, ...] = ("numba", "python")

#: Options every kernel is compiled with. ``cache`` keeps compiled kernels on
#: disk so a second process loads instead of compiling.
OPTIONS: dict[str, Any] = {
    "nogil": True,
    "cache": True,
    "fastmath": False,
    "error_model": "numpy",
    "boundscheck": False,
}


def _cache_dir() -> str:
    """A Numba cache folder keyed by the source of every kernel module.

    Numba invalidates a cached kernel when its own file changes, not when a
    helper it inlines from another module does (rng.py, say); a stale cache then
    silently runs old code. Keying the folder by all kernel sources avoids that.
    """
    digest = hashlib.sha256(numba.__version__.encode())
    for path in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "ecosim", "numba", digest.hexdigest()[:16])


if not os.environ.get("NUMBA_CACHE_DIR"):  # a user's explicit choice wins
    numba.config.CACHE_DIR = _cache_dir()

#: Every public kernel by qualified name (module.function), for tests and benchmarks.
KERNELS: dict[str, Any] = {}


def kernel(fn: Callable | None = None, *, parallel: bool = False, register: bool = True):
    """Compile ``fn`` with the project's Numba options.

    Args:
        fn: The kernel body.
        parallel: Compile with ``parallel=True`` (for bodies that use ``prange``).
        register: Record the kernel in :data:`KERNELS` (public kernels only;
            small inlined helpers pass ``False``).

    Returns:
        A Numba dispatcher whose ``py_func`` is ``fn``.
    """

    def wrap(f: Callable):
        dispatcher = numba.njit(**OPTIONS, parallel=parallel)(f)
        if register:
            KERNELS[f"{f.__module__.removeprefix('ecosim.kernels.')}.{f.__name__}"] = dispatcher
        return dispatcher

    return wrap(fn) if fn is not None else wrap


def reference(k: Any) -> Callable:
    """The reference body of kernel ``k`` (its ``py_func``).

    It runs with NumPy's integer-overflow warnings silenced: the hashes wrap on purpose.
    """
    body = getattr(k, "py_func", k)

    @functools.wraps(body)
    def run(*args, **kwargs):
        with np.errstate(over="ignore"):
            return body(*args, **kwargs)

    return run


def select(k: Any, backend: str) -> Callable:
    """Kernel ``k`` for ``backend``: the compiled dispatcher or its reference body.

    Raises:
        ValueError: ``backend`` is not one of :data:`BACKENDS`.
    """
    if backend == "numba":
        return reference(k) if numba.config.DISABLE_JIT else k
    if backend == "python":
        return reference(k)
    raise ValueError(f"backend = {backend!r} is invalid: allowed is one of {', '.join(BACKENDS)}")
