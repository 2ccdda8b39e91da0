"""The capital market: fundraising, cap tables, exit returns, angels and new commitments.

DESIGN.md section 3, steps 6 and 9. Every won is accounted for in a
:class:`Ledger`: investors' dry powder plus startups' cash always equals the
money that came in (commitments, founders' capital, grants, revenue, exit
returns to investors, angels' commitments) minus the money that went out
(burn, cash leaving with startups that die or exit). A round moves money from
an investor's dry powder to a startup's cash and changes neither side's total.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

import numpy as np

from ecosim.agents import Founder, Investor, InvestorKind, Startup
from ecosim.firms import burn_per_head, paid_heads
from ecosim.kernels.capital import Market
from ecosim.labour import investor_reach
from ecosim.population import Table, index_of
from ecosim.scenario import INVESTOR_KINDS, ROUND_STAGES, STAGES

if TYPE_CHECKING:
    from ecosim.model import EcosystemModel

#: Money coming into the stock of dry powder and startup cash.
INFLOWS = ("commitments", "founder_capital", "grants", "revenue", "exit_returns",
           "angel_commitments")
#: Money leaving it.
OUTFLOWS = ("spent", "cash_removed")


class Ledger:
    """Cumulative money flows (KRW) by name, with the stock they must explain."""

    def __init__(self, opening_stock: float):
        """Start from the opening stock of dry powder plus startup cash."""
        self.opening_stock = float(opening_stock)
        self.totals: dict[str, float] = defaultdict(float)

    def add(self, name: str, amount: float) -> None:
        """Record ``amount`` KRW under ``name``."""
        self.totals[name] += float(amount)

    def expected_stock(self) -> float:
        """Opening stock plus inflows minus outflows."""
        return (self.opening_stock + sum(self.totals[k] for k in INFLOWS)
                - sum(self.totals[k] for k in OUTFLOWS))


def money_stock(model: EcosystemModel) -> float:
    """Investors' dry powder plus startups' cash now (KRW)."""
    inv, su = model.population[Investor], model.population[Startup]
    return float(inv["dry_powder_krw"][inv.alive].sum() + su["cash_krw"][su.alive].sum())


def round_stage(stage: np.ndarray) -> np.ndarray:
    """Index into ROUND_STAGES of the next round for startups at ``stage``."""
    return np.minimum(stage.astype(np.int64), len(ROUND_STAGES) - 1)


class CapitalMarket:
    """Cap tables (one row per investment) and the market's monthly steps."""

    def __init__(self, model: EcosystemModel):
        """Empty cap tables; stage and thesis masks for the investors already built."""
        self.model = model
        self.deals = Table({"startup": "i8", "investor": "i8", "amount_krw": "f8",
                            "equity": "f8", "month": "i4"})
        k = model.spec.capital
        self.stage_mask = {
            kind: sum(1 << ROUND_STAGES.index(st) for st in k.stages[kind])
            for kind in INVESTOR_KINDS
        }
        inv = model.population[Investor]
        rows = inv.live_rows()
        inv["stages"][rows] = [self.stage_mask[INVESTOR_KINDS[kd]] for kd in inv["kind"][rows]]
        n_sectors = len(model.spec.sectors)
        for r in rows.tolist():
            picks = model.rng.choice(n_sectors, size=k.thesis_sectors, replace=False)
            inv["thesis"][r] = int(sum(1 << int(p) for p in picks))

    # ----------------------------------------------------------------- step 6
    def fundraise(self, model: EcosystemModel) -> dict[str, np.ndarray]:
        """Startups short of runway seek a round; investors are sampled, screen and offer.

        A startup seeks when its cash covers fewer than ``runway_months`` of burn,
        or, to grow, when ``round_interval`` months have passed since its last
        round and its traction has reached its stage's milestone (stage - 1).
        Seekers go in a random order; each samples ``candidates`` investors
        weighted by the real firms each agent represents (so sampling does not
        depend on scale), among those that fund the round's stage and have
        budget for its smallest size; distance then lowers the chance that an
        investor screens the startup
        (``kernels.capital.match_deals``).

        Returns:
            Per city: ``funding_krw`` (by startup city), ``investment_krw`` (by
            investor city), ``angel_funding_krw`` (by startup city), ``rounds``;
            and ``funding`` (C, C), amount by investor city x startup city.
        """
        s, k = model.spec, model.spec.capital
        su, inv = model.population[Startup], model.population[Investor]
        n_cities = len(model.cities)
        burn = paid_heads(model) * burn_per_head(model)
        short = su["cash_krw"] < k.runway_months * burn
        # growth round: enough time since the last one and traction past the stage's milestone
        grown = (su["months_since_round"] >= k.round_interval) & (su["traction"] >= su["stage"] - 1)
        seekers = np.flatnonzero(su.alive & (short | grown))
        seekers = seekers[model.rng.permutation(seekers.size)]
        stage = round_stage(su["stage"][seekers])
        # Funds invest at their pace: a budget that grows monthly, capped by dry powder.
        inv["budget_krw"][:] = np.minimum(
            inv["budget_krw"] + inv["fund_size_krw"] * k.deployment / 12.0, inv["dry_powder_krw"])
        log_min = np.log([k.round_min_krw[r] for r in ROUND_STAGES])
        log_max = np.log([k.round_max_krw[r] for r in ROUND_STAGES])
        cum = self._sampling_weights(model, np.exp(log_min))
        reach = np.ascontiguousarray(investor_reach(model))
        lead = np.empty(seekers.size, np.int64)
        amount = np.empty(seekers.size)
        pre = np.empty(seekers.size)
        market = Market(log_min, log_max, np.array([k.bar[r] for r in ROUND_STAGES]),
                        k.candidates, k.screen, k.sector_fit, k.observation_sd, k.dilution,
                        s.firms.arr_multiple, k.valuation_quality)
        model.kernels.match_deals(
            su["uid"][seekers], su["city"][seekers].astype(np.int64),
            su["sector"][seekers].astype(np.int64), su["quality"][seekers],
            su["revenue_krw"][seekers], stage, cum, reach, inv["thesis"], inv["budget_krw"],
            market, model.kernel_seed, model.month, lead, amount, pre)

        won = lead >= 0
        rows, lead, amount, pre = seekers[won], lead[won], amount[won], pre[won]
        post = pre + amount
        self._dilute(su["uid"][rows], pre / post)
        su["stage"][rows] = np.minimum(su["stage"][rows] + 1, len(STAGES) - 1)
        su["cash_krw"][rows] += amount
        su["total_raised_krw"][rows] += amount
        su["valuation_krw"][rows] = post
        su["founder_equity"][rows] *= pre / post
        su["months_since_round"][rows] = 0
        np.subtract.at(inv["dry_powder_krw"], lead, amount)
        np.add.at(inv["invested_krw"], lead, amount)
        self.deals.add(rows.size, startup=su["uid"][rows], investor=inv["uid"][lead],
                       amount_krw=amount, equity=amount / post, month=model.month)
        s_city, i_city = su["city"][rows].astype(np.int64), inv["city"][lead].astype(np.int64)
        funding = np.zeros((n_cities, n_cities))
        np.add.at(funding, (i_city, s_city), amount)
        angel = inv["kind"][lead] == InvestorKind.ANGEL
        return {
            "funding_krw": np.bincount(s_city, weights=amount, minlength=n_cities),
            "investment_krw": np.bincount(i_city, weights=amount, minlength=n_cities),
            "angel_funding_krw": np.bincount(s_city[angel], weights=amount[angel],
                                             minlength=n_cities),
            "rounds": np.bincount(s_city, minlength=n_cities),
            "funding": funding,
        }

    def _sampling_weights(self, model: EcosystemModel, smallest: np.ndarray) -> np.ndarray:
        """Cumulative weights (C, R, I) over investor rows.

        Real firms represented x funds the stage x has budget for its smallest
        round. The same for every city: distance acts in screening, not here.
        """
        inv = model.population[Investor]
        weight = inv["represents"]
        able = np.stack([
            inv.alive & ((inv["stages"] >> r) & 1 == 1) & (inv["budget_krw"] >= smallest[r])
            for r in range(len(ROUND_STAGES))
        ])
        n_cities = len(model.cities)
        cum = np.cumsum(weight[None, :] * able, axis=1)
        return np.ascontiguousarray(np.broadcast_to(cum, (n_cities, *cum.shape)))

    def _deal_rows(self, startup_uids: np.ndarray) -> np.ndarray:
        """Cap-table rows of these startups."""
        d = self.deals
        return np.flatnonzero(d.alive & np.isin(d["startup"], startup_uids))

    def _dilute(self, startup_uids: np.ndarray, factor: np.ndarray) -> None:
        """Scale existing investors' equity in these startups by ``factor`` (pre / post)."""
        d = self.deals
        rows = self._deal_rows(startup_uids)
        d["equity"][rows] *= factor[index_of(startup_uids, d["startup"][rows])]

    # ----------------------------------------------------------------- exits
    def pay_investors(self, startup_uids: np.ndarray, value: np.ndarray) -> None:
        """Pay each in-model investor its equity share of the exit value (into dry powder)."""
        d, inv = self.deals, self.model.population[Investor]
        rows = self._deal_rows(startup_uids)
        paid = d["equity"][rows] * value[index_of(startup_uids, d["startup"][rows])]
        investor_rows = inv.rows_of(d["investor"][rows])
        live = investor_rows >= 0
        np.add.at(inv["dry_powder_krw"], investor_rows[live], paid[live])
        np.add.at(inv["returned_krw"], investor_rows[live], paid[live])
        self.model.ledger.add("exit_returns", paid[live].sum())

    def forget(self, startup_uids: np.ndarray) -> None:
        """Drop the cap-table rows of startups that ended."""
        self.deals.remove(self._deal_rows(startup_uids))

    # ----------------------------------------------------------------- step 9
    def reinvest(self, model: EcosystemModel) -> np.ndarray:
        """Founders with exit wealth become angels where they live (home bias).

        A person whose wealth reaches ``angel_threshold_krw`` and who is not yet
        an angel commits ``angel_share`` of it to a new angel investor in their
        city, funding seed rounds in any sector (angels back what they see locally).

        Returns:
            New angels per city this month, shape (C,).
        """
        f = model.spec.firms
        people, inv = model.population[Founder], model.population[Investor]
        rich = np.flatnonzero(people.alive & (people["wealth_krw"] >= f.angel_threshold_krw))
        already = inv["founder"][inv.alive & (inv["kind"] == InvestorKind.ANGEL)]
        rich = rich[~np.isin(people["uid"][rich], already)]
        if rich.size == 0:
            return np.zeros(len(model.cities), np.int64)
        fund = people["wealth_krw"][rich] * f.angel_share
        people["wealth_krw"][rich] -= fund
        model.ledger.add("angel_commitments", fund.sum())
        inv.add(rich.size, city=people["city"][rich], kind=int(InvestorKind.ANGEL),
                fund_size_krw=fund, dry_powder_krw=fund, founder=people["uid"][rich],
                thesis=(1 << len(model.spec.sectors)) - 1, represents=1.0 / model.spec.scale,
                stages=self.stage_mask["angel"])
        return np.bincount(people["city"][rich], minlength=len(model.cities))

    def commit(self, model: EcosystemModel) -> None:
        """Each January after the first month, funds receive new commitments.

        VC, regional and corporate funds get ``commitments`` times their fund
        size (an endowment of the scenario); angels and the fund of funds do not.
        """
        if model.calendar_month != 1 or model.month <= 1:
            return
        inv = model.population[Investor]
        kinds = [InvestorKind.VC, InvestorKind.REGIONAL_FUND, InvestorKind.CORPORATE_VC]
        rows = np.flatnonzero(inv.alive & np.isin(inv["kind"], kinds))
        new = inv["fund_size_krw"][rows] * model.spec.capital.commitments
        inv["dry_powder_krw"][rows] += new
        model.ledger.add("commitments", new.sum())
