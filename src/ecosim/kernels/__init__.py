"""Numba kernels: pure functions over NumPy arrays.

Kernels import only NumPy, Numba and each other. Every option and the backend
switch live in :mod:`ecosim.kernels._jit`.
"""

from types import SimpleNamespace

from ecosim.kernels import capital, counts, firms, lifecycle, rng, talent
from ecosim.kernels._jit import BACKENDS, KERNELS, select

__all__ = ["BACKENDS", "KERNELS", "bind", "capital", "counts", "firms", "lifecycle", "rng",
           "select", "talent"]


def bind(backend: str) -> SimpleNamespace:
    """All public kernels for ``backend``, as attributes named after the function.

    Raises:
        ValueError: ``backend`` is not one of :data:`BACKENDS`.
    """
    return SimpleNamespace(
        **{name.rsplit(".", 1)[1]: select(k, backend) for name, k in KERNELS.items()}
    )
