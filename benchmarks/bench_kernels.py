"""Every registered Numba kernel, compiled, over growing row counts.

The kernel list is ``ecosim.kernels.KERNELS``, so a new public kernel is
benchmarked as soon as it is registered; its inputs come from
``common.args_for``, which fails loudly for a kernel it does not know.
"""

from typing import ClassVar

from ecosim.kernels import KERNELS, select

from .common import KERNEL_NAMES, args_for, make_rng


class Kernel:
    """One call of a compiled kernel over ``rows`` rows (compiled in setup)."""

    params: ClassVar[list] = [KERNEL_NAMES, [10_000, 100_000, 1_000_000]]
    param_names: ClassVar[list[str]] = ["kernel", "rows"]
    timeout = 120

    def setup(self, kernel, rows):
        self.fn = select(KERNELS[kernel], "numba")
        self.args = args_for(kernel, rows, make_rng())
        self.fn(*self.args)  # compile (or load from Numba's cache) and warm

    def time_kernel(self, kernel, rows):
        self.fn(*self.args)
