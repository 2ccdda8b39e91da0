"""Scenario discovery: which levers and uncertainties lead to the cases of interest (PRIM).

PRIM (Friedman and Fisher 1999; in scenario discovery, Bryant and Lempert
2010) peels the input space, a few per cent of the cases at a time, towards a
box dense in cases of interest; each box is read as rules ("Daegu's budget at
least KRW 150 bn a year and its investment share at least 0.4") with its
**coverage** (share of all cases of interest inside it) and **density** (share
of the cases inside it that are of interest). EMA Workbench's implementation
(``ema_workbench.analysis.prim``) does the peeling, pasting and quasi-p values;
this module chooses the box on each trajectory and prints the rules.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Box", "box_table", "choose_k", "describe", "find_boxes"]


@dataclass
class Box:
    """One PRIM box, as rules.

    Attributes:
        number: 1 for the first box, 2 for the next (found among the cases the
            first left), ...
        limits: Per restricted input: ``min``, ``max`` (the box) and
            ``qp_low``, ``qp_high`` (quasi-p values of each restriction; NaN
            where that side is not restricted).
        full: Per restricted input: its ``min`` and ``max`` over all cases.
        coverage: Share of all cases of interest inside the box.
        density: Share of the cases inside that are of interest.
        mass: Share of all cases inside.
        cases: Cases inside.
        of_interest: Cases of interest inside.
        integer: Inputs whose values are all whole numbers (years, counts, yes/no):
            their limits read as the whole numbers inside.
    """

    number: int
    limits: pd.DataFrame
    full: pd.DataFrame
    coverage: float
    density: float
    mass: float
    cases: int
    of_interest: int
    integer: frozenset[str] = frozenset()

    def rules(self) -> list[str]:
        """The box's restrictions, one readable line each (units: KRW bn, shares, years)."""
        out = []
        for name, lim in self.limits.iterrows():
            lo, hi = lim["min"], lim["max"]
            flo, fhi = self.full.loc[name, "min"], self.full.loc[name, "max"]
            if name in self.integer:
                lo, hi = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
            low_cut, high_cut = lo > flo, hi < fhi
            if lo == hi:
                out.append(f"{name} = {describe(name, lo)}")
            elif low_cut and high_cut:
                out.append(f"{describe(name, lo)} <= {name} <= {describe(name, hi)}")
            elif low_cut:
                out.append(f"{name} >= {describe(name, lo)}")
            elif high_cut:
                out.append(f"{name} <= {describe(name, hi)}")
        return out

    def __str__(self) -> str:  # noqa: D105
        head = (f"Box {self.number}: coverage {self.coverage:.2f}, density {self.density:.2f} "
                f"({self.of_interest} of {self.cases} cases inside are of interest; "
                f"mass {self.mass:.2f})")
        rules = self.rules() or ["(no restriction: the cases of interest are spread out)"]
        return "\n".join([head, *(f"  {r}" for r in rules)])


def describe(name: str, value: float) -> str:
    """A value in its column's unit: KRW bn for budgets and costs, plain numbers otherwise."""
    if name.startswith("budget") or name.endswith("_krw"):
        return f"KRW {value / 1e9:,.1f} bn"
    if name in ("start_year", "designated") or name.startswith("designate:"):
        return f"{value:.0f}"
    return f"{value:.3g}"


def choose_k(n_top: pd.Series | np.ndarray, k: int, min_cases: int,
             min_share: float = 0.0) -> tuple[int, str]:
    """The k whose cases (n_top >= k) PRIM looks for, and why.

    ``k`` when enough cases reach it: at least ``min_cases`` and at least
    ``min_share`` of all; else the largest k that enough cases reach (at least 1).
    """
    n_top = np.asarray(n_top)
    need = max(min_cases, int(np.ceil(min_share * len(n_top))))
    reached = int((n_top >= k).sum())
    if reached >= need:
        return k, f"cases with at least {k} cities in the top ({reached} of {len(n_top)})"
    best = 1
    for j in range(1, k):
        if (n_top >= j).sum() >= need:
            best = j
    n = int((n_top >= best).sum())
    return best, (f"only {reached} of {len(n_top)} cases reach {k} cities (fewer than "
                  f"{need}); PRIM looks instead for the largest k at least {need} cases "
                  f"reach: at least {best} cities in the top ({n} cases)")


def find_boxes(x: pd.DataFrame, y: np.ndarray, *, boxes: int = 2, min_density: float = 0.8,
               peel_alpha: float = 0.05, max_qp: float = 0.05) -> list[Box]:
    """PRIM boxes for the cases of interest ``y`` over the inputs ``x``.

    On each peeling trajectory the box chosen is the one with the largest
    coverage among those at least ``min_density`` dense (else the one with the
    largest coverage x density gain over the base rate); then restrictions
    whose quasi-p value exceeds ``max_qp`` are dropped, least significant first.
    Inputs that never vary are left out; yes/no inputs are read as 0/1, every input
    as a float.

    Args:
        x: One row per case, one numeric column per input (lever or uncertainty).
        y: True for the cases of interest.
        boxes: At most this many boxes (each among the cases the earlier left).
        min_density: See above.
        peel_alpha: Share of the cases peeled per step.
        max_qp: Largest quasi-p value a restriction may keep (1: keep all).

    Raises:
        ValueError: ``x`` and ``y`` differ in length, or ``y`` has no case of interest.
    """
    y = np.asarray(y, dtype=bool)
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} rows and y {len(y)}: allowed are equal lengths")
    if not y.any():
        raise ValueError("y has no case of interest: allowed is at least one True")
    x = x.reset_index(drop=True)
    x = x[[c for c in x.columns if x[c].nunique() > 1]]
    # all as floats: EMA Workbench 3.0 pastes a float limit into integer columns, which
    # pandas 3 refuses; integer inputs keep their values and their rules read the same
    integer = frozenset(c for c in x.columns
                        if np.all(np.mod(x[c].to_numpy(float), 1.0) == 0))
    x = x.astype(float)
    prim = _prim_module()
    with warnings.catch_warnings():
        # pandas 3.1 deprecates DataFrame.drop(inplace=True), which EMA Workbench 3.0 uses
        warnings.filterwarnings("ignore", message=".*inplace keyword.*")
        finder = prim.Prim(x, y, peel_alpha=peel_alpha)
        out = []
        for number in range(1, boxes + 1):
            box = finder.find_box()
            if box is None:
                break
            i = _choose(box.peeling_trajectory, min_density, float(y.mean()))
            if i == 0:
                break
            box.select(i)
            i = _drop_insignificant(box, i, max_qp)
            stats, lims = box.inspect(i, style="data")[0]
            if lims.empty:
                break
            limits = pd.DataFrame({"min": lims.iloc[:, 0], "max": lims.iloc[:, 1],
                                   "qp_low": lims.iloc[:, 2], "qp_high": lims.iloc[:, 3]})
            full = pd.DataFrame({"min": x[limits.index].min(), "max": x[limits.index].max()})
            out.append(Box(number=number, limits=limits, full=full,
                           coverage=float(stats["coverage"]), density=float(stats["density"]),
                           mass=float(stats["mass"]), cases=int(stats["n"]),
                           of_interest=int(stats["k"]), integer=integer))
    return out


def _choose(trajectory: pd.DataFrame, min_density: float, base: float) -> int:
    """The trajectory's point: most coverage at ``min_density`` or more.

    When no point is that dense, the point with the largest coverage x
    (density - base rate) / (1 - base rate): the densest box would be the
    last, most restricted, one, which with weak signals is noise.
    """
    t = trajectory[trajectory["res_dim"] > 0]
    if t.empty:
        return 0
    dense = t[t["density"] >= min_density]
    if not dense.empty:
        return int(dense.sort_values(["coverage", "density"], ascending=False).index[0])
    gain = t["coverage"] * (t["density"] - base) / max(1.0 - base, 1e-12)
    return int(gain.idxmax())


def _drop_insignificant(box: Any, i: int, max_qp: float) -> int:
    """Drop restrictions whose quasi-p value exceeds ``max_qp``, worst first; the new point.

    Quasi-p values (Bryant and Lempert 2010) test whether a restriction raises
    the density by more than chance would; EMA Workbench appends the box
    without the restriction to the trajectory.
    """
    while True:
        _, lims = box.inspect(i, style="data")[0]
        if lims.empty:
            return i
        qp = lims.iloc[:, 2:4].apply(pd.to_numeric).max(axis=1, skipna=True)
        worst = qp.idxmax()
        if not qp[worst] > max_qp:
            return i
        box.drop_restriction(worst, i)
        i = len(box.peeling_trajectory) - 1


def _prim_module() -> Any:
    """``ema_workbench.analysis.prim``, imported without its optional-dependency notices."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench.analysis import prim
    except ImportError as err:  # pragma: no cover - the dependency is declared
        raise ImportError("scenario discovery needs EMA Workbench: pip install "
                          "'ema-workbench>=3'") from err
    return prim


def box_table(boxes: list[Box]) -> pd.DataFrame:
    """Every box's restrictions as rows: box, input, min, max, qp values, coverage, density."""
    rows = []
    for b in boxes:
        for name, lim in b.limits.iterrows():
            rows.append({"box": b.number, "input": name, "min": lim["min"], "max": lim["max"],
                         "qp_low": lim["qp_low"], "qp_high": lim["qp_high"],
                         "full_min": b.full.loc[name, "min"], "full_max": b.full.loc[name, "max"],
                         "coverage": b.coverage, "density": b.density, "mass": b.mass,
                         "cases": b.cases, "of_interest": b.of_interest})
    return pd.DataFrame(rows)

