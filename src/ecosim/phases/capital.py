"""The capital market: fundraising, angels and new commitments (steps 6 and 9).

Every won is accounted for in the world's :class:`~ecosim.state.books.Ledger`:
investors' dry powder plus startups' cash always equals the money that came
in (commitments, founders' capital, grants, revenue, exit returns to
investors, angels' commitments) minus the money that went out (burn, cash
leaving with startups that die or exit). A round moves money from an
investor's dry powder to a startup's cash and changes neither side's total.
Exit returns to investors are paid at settlement (:mod:`ecosim.phases.firms`)
from the cap table (:class:`~ecosim.state.books.CapTable`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ecosim.kernels.capital import Deals, Investors, Market, Seekers
from ecosim.state.agents import Founder, Investor, Startup
from ecosim.state.books import Fundraising
from ecosim.vocab import ROUND_STAGES, STAGES, InvestorKind

if TYPE_CHECKING:
    from ecosim.inputs.scenario import Scenario
    from ecosim.state.world import World

__all__ = ["commit", "fundraise", "market", "reinvest", "round_stage"]


def round_stage(stage: np.ndarray) -> np.ndarray:
    """Index into ROUND_STAGES of the next round for startups at ``stage``."""
    return np.minimum(stage.astype(np.int64), len(ROUND_STAGES) - 1)


def market(s: Scenario) -> Market:
    """The deal kernel's rules, from the capital section by name (round sizes as logs)."""
    k = s.capital
    return Market(
        log_min=np.log([k.round_min_krw[r] for r in ROUND_STAGES]),
        log_max=np.log([k.round_max_krw[r] for r in ROUND_STAGES]),
        bar=np.array([k.bar[r] for r in ROUND_STAGES]),
        arr_multiple=s.firms.arr_multiple,
        **{f: getattr(k, f) for f in Market._fields
           if f not in ("log_min", "log_max", "bar", "arr_multiple")},
    )


def fundraise(world: World) -> Fundraising:
    """Startups short of runway seek a round; investors are sampled, screen and offer (step 6).

    A startup seeks when its cash covers fewer than ``runway_months`` of burn,
    or, to grow, when ``round_interval`` months have passed since its last
    round and its traction has reached its milestone (``milestone`` above
    ``traction_target + traction_stage * rounds``, what a zero-quality startup
    with its rounds tends to). A Series C+ startup keeps raising C+ rounds.
    Seekers go in a random order; each samples ``candidates`` investors
    weighted by the real firms each agent represents (so sampling does not
    depend on scale), among those that fund the round's stage and have
    budget for its smallest size; distance then lowers the chance that an
    investor screens the startup (``kernels.capital.match_deals``).
    """
    s, k = world.spec, world.spec.capital
    su, inv = world.population[Startup], world.population[Investor]
    n_cities = world.n_cities
    burn = world.paid_heads() * world.static.burn_per_head_krw
    short = su["cash_krw"] < k.runway_months * burn
    # growth round: enough time since the last one and traction past the stage's milestone
    f = s.firms
    milestone = f.traction_target + f.traction_stage * su["rounds"] + k.milestone
    grown = (su["months_since_round"] >= k.round_interval) & (su["traction"] >= milestone)
    seekers = np.flatnonzero(su.alive & (short | grown))
    seekers = seekers[world.rng.permutation(seekers.size)]
    # Funds invest at their pace: a budget that grows monthly, capped by dry powder;
    # a round may take it below zero (the pace holds on average, not per deal).
    inv["budget_krw"][:] = np.minimum(
        inv["budget_krw"] + inv["fund_size_krw"] * k.deployment / 12.0, inv["dry_powder_krw"])
    dry = inv["dry_powder_krw"].copy()
    mk = market(s)
    deals: Deals = world.kernels.match_deals(
        Seekers(uid=su["uid"][seekers], city=su["city"][seekers].astype(np.int64),
                sector=su["sector"][seekers].astype(np.int64), quality=su["quality"][seekers],
                revenue=su["revenue_krw"][seekers], round_stage=round_stage(su["stage"][seekers]),
                grown_value=su["post_money_krw"][seekers]
                * np.exp(su["traction"][seekers] - su["round_traction"][seekers])),
        Investors(cum_weights=_sampling_weights(world, np.exp(mk.log_min)),
                  reach=np.ascontiguousarray(world.investor_reach()), thesis=inv["thesis"],
                  budget=inv["budget_krw"], dry_powder=dry),
        mk, world.kernel_seed, world.month)

    won = deals.lead >= 0
    rows, lead = seekers[won], deals.lead[won]
    amount, pre = deals.amount[won], deals.pre_money[won]
    post = pre + amount
    world.cap_table.dilute(su["uid"][rows], pre / post)
    su["stage"][rows] = np.minimum(su["stage"][rows] + 1, len(STAGES) - 1)
    su["rounds"][rows] += 1
    su["cash_krw"][rows] += amount
    su["total_raised_krw"][rows] += amount
    su["post_money_krw"][rows] = post
    su["round_traction"][rows] = su["traction"][rows]
    su["valuation_krw"][rows] = np.maximum(post,
                                           s.firms.arr_multiple * 12 * su["revenue_krw"][rows])
    su["founder_equity"][rows] *= pre / post
    su["months_since_round"][rows] = 0
    np.subtract.at(inv["dry_powder_krw"], lead, amount)
    np.add.at(inv["invested_krw"], lead, amount)
    world.cap_table.add(su["uid"][rows], inv["uid"][lead], amount, amount / post, world.month)
    s_city, i_city = su["city"][rows].astype(np.int64), inv["city"][lead].astype(np.int64)
    funding = np.zeros((n_cities, n_cities))
    np.add.at(funding, (i_city, s_city), amount)
    angel = inv["kind"][lead] == InvestorKind.ANGEL
    return Fundraising(
        funding_krw=np.bincount(s_city, weights=amount, minlength=n_cities),
        investment_krw=np.bincount(i_city, weights=amount, minlength=n_cities),
        angel_funding_krw=np.bincount(s_city[angel], weights=amount[angel], minlength=n_cities),
        rounds=np.bincount(s_city, minlength=n_cities),
        funding=funding,
    )


def _sampling_weights(world: World, smallest: np.ndarray) -> np.ndarray:
    """Cumulative weights (C, R, I) over investor rows.

    Real firms represented x funds the stage x its pace allows a deal now
    (budget > 0) x its dry powder covers the stage's smallest round. The same
    for every city: distance acts in screening, not here.
    """
    inv = world.population[Investor]
    weight = inv["represents"]
    able = np.stack([
        inv.alive & ((inv["stages"] >> r) & 1 == 1) & (inv["budget_krw"] > 0)
        & (inv["dry_powder_krw"] >= smallest[r])
        for r in range(len(ROUND_STAGES))
    ])
    cum = np.cumsum(weight[None, :] * able, axis=1)
    # a fresh array (never a read-only broadcast view, whatever the shapes): one signature
    return np.broadcast_to(cum, (world.n_cities, *cum.shape)).copy()


def reinvest(world: World) -> np.ndarray:
    """Founders with exit wealth become angels where they live (step 9; home bias).

    A person whose wealth reaches ``angel_threshold_krw`` and who is not yet
    an angel commits ``angel_share`` of it to a new angel investor in their
    city, funding seed rounds in any sector (angels back what they see locally).

    Returns:
        New angels per city this month, shape (C,).
    """
    f = world.spec.firms
    people, inv = world.population[Founder], world.population[Investor]
    rich = np.flatnonzero(people.alive & (people["wealth_krw"] >= f.angel_threshold_krw))
    already = inv["founder"][inv.alive & (inv["kind"] == InvestorKind.ANGEL)]
    rich = rich[~np.isin(people["uid"][rich], already)]
    if rich.size == 0:
        return np.zeros(world.n_cities, np.int64)
    fund = people["wealth_krw"][rich] * f.angel_share
    people["wealth_krw"][rich] -= fund
    world.ledger.add("angel_commitments", fund.sum())
    inv.add(rich.size, city=people["city"][rich], kind=int(InvestorKind.ANGEL),
            fund_size_krw=fund, dry_powder_krw=fund, founder=people["uid"][rich],
            thesis=(1 << len(world.spec.sectors)) - 1, represents=1.0 / world.spec.scale,
            stages=world.static.stage_mask[InvestorKind.ANGEL])
    return np.bincount(people["city"][rich], minlength=world.n_cities)


def commit(world: World) -> None:
    """Each January after the first month, funds receive new commitments (step 9).

    VC, regional, corporate and growth funds get ``commitments`` times their
    fund size (an endowment of the scenario); angels and the fund of funds do not.
    """
    if world.clock.calendar_month != 1 or world.month <= 1:
        return
    inv = world.population[Investor]
    kinds = [InvestorKind.VC, InvestorKind.REGIONAL_FUND, InvestorKind.CORPORATE_VC,
             InvestorKind.GROWTH]
    rows = np.flatnonzero(inv.alive & np.isin(inv["kind"], kinds))
    new = inv["fund_size_krw"][rows] * world.spec.capital.commitments
    inv["dry_powder_krw"][rows] += new
    world.ledger.add("commitments", new.sum())
