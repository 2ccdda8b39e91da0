"""The page's controls and the model they build.

SolaraViz shows :func:`model_params` in its sidebar and, on Reset, builds
``AppModel(**values, scenario=<Mesa Scenario>)``. :class:`AppModel` is an
:class:`~ecosim.model.EcosystemModel` whose extra keyword arguments are those
controls: the seed as typed, and per-city policy budgets and lever weights
that become the scenario's ``policy.packages`` when ``custom_policy`` is on.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from ecosim.inputs.scenario import Scenario, load_scenario, packaged_scenarios, to_dict
from ecosim.model import EcosystemModel
from ecosim.vocab import LEVERS

__all__ = ["POLICY_TEMPLATE", "AppModel", "initial_values", "model_params", "parse_seed",
           "policy_cities", "policy_packages"]

#: The packaged scenario whose packages give the policy sliders their cities,
#: starting values, focus sectors and factory access.
POLICY_TEMPLATE = "startup_city"

#: Range of the scale slider: responsive on two cores (docs/benchmarks.md: the browser app).
SCALE_RANGE = (0.005, 0.05)


@cache
def _template() -> Scenario:
    return load_scenario(POLICY_TEMPLATE)


def policy_cities() -> tuple[str, ...]:
    """Cities with a policy slider: those with a package in :data:`POLICY_TEMPLATE`."""
    return tuple(p.city for p in _template().policy.packages)


def parse_seed(value: Any) -> int | None:
    """The seed from the page's text box: a whole number (``None`` passes through).

    Raises:
        ValueError: The text is not a whole number.
    """
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"seed = {value!r}: allowed is a whole number, e.g. 42") from None


def policy_packages(spec: str | Path | Scenario, controls: dict[str, float]) -> list[dict]:
    """The policy packages the sliders describe, for ``policy.packages`` of ``spec``.

    For each city of :func:`policy_cities`: budget ``budget_<city>`` (KRW bn a
    year) split across the levers in proportion to the weights
    ``<lever>_<city>``; focus sectors and open factories from the scenario's
    own package for that city, else from :data:`POLICY_TEMPLATE`'s. Packages
    of other cities in the scenario are kept. A missing control takes the
    template's value.

    Raises:
        ValueError: A budget is negative, a weight negative, or all of a city's weights are zero.
    """
    base = load_scenario(spec)
    own = {p.city: p for p in base.policy.packages}
    template = {p.city: p for p in _template().policy.packages}
    cities = policy_cities()
    out = [_as_dict(p) for p in base.policy.packages if p.city not in cities]
    for city in cities:
        start = own.get(city, template[city])
        budget = float(controls.get(f"budget_{city}", template[city].budget_krw / 1e9))
        if budget < 0:
            raise ValueError(f"budget_{city} = {budget}: allowed is a budget >= 0 (KRW bn a year)")
        weights = {lever: float(controls.get(f"{lever}_{city}", template[city].levers[lever]))
                   for lever in LEVERS}
        bad = {k: v for k, v in weights.items() if v < 0}
        if bad:
            raise ValueError(f"lever weights of {city} {bad}: allowed are weights >= 0")
        total = sum(weights.values())
        if total <= 0:
            raise ValueError(f"lever weights of {city} are all zero: allowed is at least one "
                             "weight above zero (they are shares of the budget)")
        out.append({**_as_dict(start), "budget_krw": budget * 1e9,
                    "levers": {k: v / total for k, v in weights.items()}})
    return out


def _as_dict(package) -> dict:
    return {"city": package.city, "budget_krw": package.budget_krw, "levers": dict(package.levers),
            "focus_sectors": list(package.focus_sectors),
            "open_factories": package.open_factories, "source": package.source}


class AppModel(EcosystemModel):
    """The model the page runs: an EcosystemModel built from the page's controls.

    Args:
        spec: Scenario name, TOML path or Scenario (the "Scenario" picker).
        rng: Seed, as a whole number or the text typed in the "Seed" box.
        scenario: Mesa's scenario, passed on to :class:`EcosystemModel`.
        custom_policy: When true, the sliders' budgets and lever weights
            replace the packages of :func:`policy_cities` (see
            :func:`policy_packages`); when false the scenario's own policy runs
            and those controls are not used.
        overrides: Dotted-path scenario overrides, as for EcosystemModel.
        **controls: ``budget_<city>``, ``<lever>_<city>``, and scenario fields
            (``scale`` ...) passed on to EcosystemModel.
    """

    def __init__(self, spec: str | Path | Scenario = POLICY_TEMPLATE, *, rng: Any = None,
                 scenario: Any = None, custom_policy: bool = False,
                 overrides: dict[str, Any] | None = None, **controls: Any):
        """Build the model the controls describe."""
        names = {f"budget_{c}" for c in policy_cities()} | {
            f"{lever}_{c}" for c in policy_cities() for lever in LEVERS}
        policy = {k: controls.pop(k) for k in list(controls) if k in names}
        if custom_policy:
            base = load_scenario(spec)
            spec = base.replace(policy={**to_dict(base)["policy"],
                                        "packages": policy_packages(base, policy)})
        super().__init__(spec, rng=parse_seed(rng), scenario=scenario, overrides=overrides,
                         **controls)
        self.custom_policy = bool(custom_policy)


def model_params(scale: float = 0.01, seed: int = 1,
                 spec: str = POLICY_TEMPLATE) -> dict[str, Any]:
    """The sidebar's controls, in SolaraViz's ``model_params`` form."""
    lo, hi = SCALE_RANGE
    params: dict[str, Any] = {
        "spec": {"type": "Select", "value": spec, "values": packaged_scenarios(),
                 "label": "Scenario"},
        "scale": {"type": "SliderFloat", "value": scale, "min": lo, "max": hi, "step": 0.005,
                  "label": "Scale (agents per person)"},
        "rng": {"type": "InputText", "value": str(seed), "label": "Seed"},
        "custom_policy": {"type": "Checkbox", "value": False,
                          "label": "Policy from the sliders below"},
    }
    for p in _template().policy.packages:
        params[f"budget_{p.city}"] = {
            "type": "SliderFloat", "value": p.budget_krw / 1e9, "min": 0.0, "max": 200.0,
            "step": 5.0, "label": f"{p.city}: budget (KRW bn a year)"}
        for lever in LEVERS:
            params[f"{lever}_{p.city}"] = {
                "type": "SliderFloat", "value": p.levers[lever], "min": 0.0, "max": 1.0,
                "step": 0.05, "label": f"{p.city}: {lever} weight"}
    return params


def initial_values(params: dict[str, Any]) -> dict[str, Any]:
    """The values the controls start at (what SolaraViz would pass on Reset)."""
    return {k: v["value"] if isinstance(v, dict) and "type" in v else v
            for k, v in params.items()}
