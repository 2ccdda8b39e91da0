"""An idiomatic-Mesa version of ecosim's monthly talent and capital markets, for comparison.

Written for ``benchmarks/compare.py`` (not used by the model): the same
behaviour as ``EcosystemModel``'s career choice, job matching and deal matching,
in the way a Mesa model is usually written, so that the speed of ecosim's
tables-and-kernels design can be measured against it:

* plain :class:`mesa.Agent` subclasses whose state is Python attributes (no
  arrays); a person's ties are a list of the other :class:`Person` agents;
* a :class:`mesa.Model` whose step computes what each (city, action) offers,
  then calls ``self.agents_by_type[Person].shuffle_do("step")``: every
  searching person counts its ties by city, values the 7 cities x 4 actions
  with the terms and weights of ``ecosim.kernels.talent.choose_careers``
  (Gumbel noise from the model's ``random.Random``) and applies to an employer
  with an open position in the market it chose; employers (factories,
  institutes, startups: agents with open positions) then hire their best
  applicants by skill (``shuffle_do("hire")``, startups in their own ``step``);
* startups short of runway raise a round as ``ecosim.kernels.capital.match_deals``
  does: ``candidates`` investor agents sampled by what they represent among
  those that fund the stage and can afford its smallest round, each screening
  (sector thesis, distance), seeing quality with noise, offering if it clears
  the stage's bar; the startup takes the best offer.

It reproduces the work, not ecosim's numbers (its random numbers come from
Python's generator, and job matching ranks applicants per employer rather than
per market). Graduation, founding, progress, settlement, relocation and ageing
are not modelled: ``EcosystemModel.step`` does all of them, so comparing a whole
ecosim month with this model's month favours this model.

    python benchmarks/mesa_reference.py [--people 100000] [--months 2]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from itertools import accumulate
from operator import attrgetter

import mesa
import numpy as np

from ecosim.inputs.scenario import load_scenario
from ecosim.phases.labour import choice_weights
from ecosim.state.cities import Cities
from ecosim.vocab import (
    ACTIONS,
    INVESTOR_KINDS,
    ROUND_STAGES,
    STAGES,
    Action,
    Degree,
    InvestorKind,
    Role,
)

__all__ = ["Employer", "Factory", "Institute", "Investor", "MesaEcosystem", "Person", "Startup"]

#: Talent stock of the scenario at full scale (people per agent at scale 1).
FULL_PEOPLE = 1_450_000

# Plain ints (what an idiomatic model would compare against), from ecosim's enums.
SEARCHING, RESEARCHER, FOUNDER = int(Role.SEARCHING), int(Role.RESEARCHER), int(Role.FOUNDER)
STARTUP_EMPLOYEE, CORPORATE_EMPLOYEE = int(Role.STARTUP_EMPLOYEE), int(Role.CORPORATE_EMPLOYEE)
STARTUP_JOB, CORPORATE_JOB = int(Action.STARTUP_JOB), int(Action.CORPORATE_JOB)
RESEARCH, FOUND = int(Action.RESEARCH), int(Action.FOUND)
N_ACTIONS = len(Action)
MS, PHD = int(Degree.MS), int(Degree.PHD)
ROLE_OF_ACTION = {STARTUP_JOB: STARTUP_EMPLOYEE, CORPORATE_JOB: CORPORATE_EMPLOYEE,
                  RESEARCH: RESEARCHER, FOUND: FOUNDER}
ACTION_OF_ROLE = {role: action for action, role in ROLE_OF_ACTION.items()}
ANGEL = INVESTOR_KINDS[int(InvestorKind.ANGEL)]
TINY = 0.5 ** 54  # replaces a uniform draw of exactly 0 (log(0) is undefined)

# Shares of korea at month 0 (EcosystemModel at scale 0.0667): people by role,
# startups, factories and institutes per person; investors at full scale.
ROLE_SHARES = {RESEARCHER: 0.049, STARTUP_EMPLOYEE: 0.171, CORPORATE_EMPLOYEE: 0.753,
               FOUNDER: 0.027}
STARTUPS_PER_PERSON = 39_511 / FULL_PEOPLE
FACTORIES_PER_PERSON = 510 / FULL_PEOPLE
INVESTORS_FULL = 276


class Person(mesa.Agent):
    """A technical worker; searches and applies for a position (its ``step``)."""

    def __init__(self, model, city, home, alma, sector, skill, degree, experience, role, exits):
        super().__init__(model)
        self.city = city
        self.home = home
        self.alma = alma  # city of the alma mater, -1 if none
        self.sector = sector
        self.skill = skill
        self.degree = degree
        self.experience = experience
        self.role = role
        self.exits = exits
        self.employer = None
        self.months_in_city = 0
        self.alive = True
        self.ties: list[Person] = []
        self.choice = -1

    def step(self):
        """Decide whether to search; if so choose (city, action) and apply."""
        m = self.model
        role = self.role
        if role == FOUNDER:
            return
        if role != SEARCHING and self.random.random() >= m.on_the_job_search:
            return
        m.searchers += 1
        self.choice = alt = self.choose()
        if alt == self.current():
            return  # stays where it is
        m.applicants += 1
        if alt % N_ACTIONS == FOUND:
            m.would_found += 1  # founding is carried out by another phase
            return
        employers = m.vacancies[alt]
        if employers:
            self.random.choice(employers).applicants.append(self)

    def current(self) -> int:
        """Index of the current alternative (city * A + action), -1 without a position."""
        action = ACTION_OF_ROLE.get(self.role)
        return -1 if action is None else self.city * N_ACTIONS + action

    def choose(self) -> int:
        """Random-utility choice over every (city, action), as ``choose_careers``."""
        m = self.model
        w = m.w
        here, sector = self.city, self.sector
        ties = [0] * m.n_cities
        for other in self.ties:
            if other.alive:
                ties[other.city] += 1
        current = self.current()
        role = self.role
        research_ok = self.degree >= MS or role == RESEARCHER
        found_ok = (self.experience >= m.founding_experience or self.degree == PHD
                    or role == RESEARCHER)
        serial = self.exits > 0
        rand = self.random.random
        log = math.log
        best, best_alt = -math.inf, -1
        for c in range(m.n_cities):
            base = w.ties * log(1.0 + ties[c]) + w.amenity * m.amenity[c] - w.cost * m.log_cost[c]
            if c != here:
                base -= w.move + w.travel * m.travel[here][c]
            if c == self.home:
                base += w.home
            if c == self.alma:
                base += w.alma
            for a in range(N_ACTIONS):
                if a == RESEARCH and not research_ok:
                    continue
                if a == FOUND and not found_ok:
                    continue
                alt = c * N_ACTIONS + a
                w_open = w.scene if a == FOUND else w.open
                u = (base + w.wage * m.log_wage[c][sector][a] + w_open * m.log_open[c][a]
                     + m.constant[a] + m.incentive[c][a])
                if a == FOUND:
                    u += w.investor * m.log_investor[c]
                    if serial:
                        u += w.serial
                if alt == current:
                    u += w.stay
                u -= log(-log(rand() or TINY))  # + standard Gumbel noise
                if u > best:
                    best, best_alt = u, alt
        return best_alt

    def join(self, employer: Employer):
        """Take a position with ``employer`` (moving to its city)."""
        if employer.city != self.city:
            self.city = employer.city
            self.months_in_city = 0
        if self.employer is not None:
            self.employer.staff -= 1
        self.employer = employer
        employer.staff += 1
        self.role = ROLE_OF_ACTION[employer.action]


class Employer(mesa.Agent):
    """An agent with positions in one (city, action) market; hires the best applicants."""

    action = CORPORATE_JOB

    def __init__(self, model, city, sector, staff):
        super().__init__(model)
        self.city = city
        self.sector = sector
        self.staff = staff
        self.positions = staff
        self.applicants: list[Person] = []

    @property
    def market(self) -> int:
        """city * A + action."""
        return self.city * N_ACTIONS + self.action

    def open_positions(self) -> int:
        """Positions not filled."""
        return max(self.positions - self.staff, 0)

    def hire(self):
        """Fill the open positions with the most skilled applicants; reject the rest."""
        if not self.applicants:
            return
        self.applicants.sort(key=attrgetter("skill"), reverse=True)
        for person in self.applicants[:self.open_positions()]:
            person.join(self)
            self.model.hires += 1
        self.applicants.clear()


class Factory(Employer):
    """An established firm's plant: corporate positions."""

    action = CORPORATE_JOB


class Institute(Employer):
    """A university or research institute: research posts."""

    action = RESEARCH


class Startup(Employer):
    """A startup: startup positions; raises a round when short of runway (its ``step``)."""

    action = STARTUP_JOB

    def __init__(self, model, city, sector, staff, stage, quality, revenue, cash):
        super().__init__(model, city, sector, staff)
        self.stage = stage
        self.quality = quality
        self.revenue = revenue
        self.cash = cash
        self.valuation = 0.0
        self.months_since_round = 0
        self.traction = -2.0

    def burn(self) -> float:
        """Monthly cash spent (KRW)."""
        return self.staff * self.model.burn_per_head

    def step(self):
        """Hire, then seek a round if short of runway or due for a growth round."""
        self.hire()
        k = self.model.k
        if (self.cash < k.runway_months * self.burn()
                or (self.months_since_round >= k.round_interval
                    and self.traction >= self.stage - 1)):
            self.raise_round()

    def raise_round(self):
        """Approach sampled investors; take the offer with the highest pre-money valuation."""
        m = self.model
        k = m.k
        r = min(self.stage, len(ROUND_STAGES) - 1)
        pool, cum = m.investor_pools[r]
        m.seekers += 1
        if not pool:
            return
        bar, lo, hi = m.bar[r], m.log_min[r], m.log_max[r]
        best, best_inv, best_size = -1.0, None, 0.0
        for inv in self.random.choices(pool, cum_weights=cum, k=k.candidates):
            p = k.screen * inv.reach[self.city]
            if self.sector not in inv.thesis:
                p /= k.sector_fit
            if self.random.random() >= p:
                continue
            seen = self.quality + k.observation_sd * self.random.gauss(0.0, 1.0)
            if seen < bar:
                continue
            phi = 1.0 / (1.0 + math.exp(-1.702 * (seen - bar)))
            size = math.exp(lo + phi * (hi - lo))
            if inv.budget < size:
                continue
            value = size * (1.0 - k.dilution) / k.dilution * math.exp(k.valuation_quality
                                                                      * (seen - bar))
            value = max(value, m.arr_multiple * 12.0 * self.revenue)
            if value > best:
                best, best_inv, best_size = value, inv, size
        if best_inv is not None:
            best_inv.budget -= best_size
            best_inv.dry_powder -= best_size
            self.cash += best_size
            self.valuation = best + best_size
            self.stage = min(self.stage + 1, len(STAGES) - 1)
            self.months_since_round = 0
            m.rounds += 1


class Investor(mesa.Agent):
    """A fund or an angel: which rounds and sectors it funds, its budget and reach."""

    def __init__(self, model, city, kind, fund_size, represents, stages, thesis, reach):
        super().__init__(model)
        self.city = city
        self.kind = kind
        self.fund_size = fund_size
        self.dry_powder = fund_size * model.k.initial_dry_powder
        self.budget = 0.0
        self.represents = represents
        self.stages = stages  # set of round-stage indices it funds
        self.thesis = thesis  # set of sector indices
        self.reach = reach  # list: reach to each city, in [0, 1]


class MesaEcosystem(mesa.Model):
    """``people`` Person agents and startups, employers and investors in proportion.

    Args:
        people: Person agents.
        startups, investors, factories, institutes: Agent counts (default: the
            korea proportions at scale ``people / 1.45M``).
        scenario: Where the weights, wages, cities and capital rules come from.
        rng: Seed of the model's ``random`` (and of the NumPy generator that
            draws the initial attributes).
    """

    def __init__(self, people: int, *, startups: int | None = None,
                 investors: int | None = None, factories: int | None = None,
                 institutes: int | None = None, scenario: str = "korea", rng: int = 0):
        super().__init__(rng=rng)
        spec = load_scenario(scenario)
        self.spec = spec
        self.scale = people / FULL_PEOPLE
        self.w = choice_weights(spec.behaviour)
        self.k = spec.capital
        b = spec.behaviour
        self.on_the_job_search = b.on_the_job_search
        self.founding_experience = b.founding_experience
        self.density_elasticity = b.density_wage_elasticity
        self.burn_per_head = spec.labour.monthly_wage_krw["startup_job"] * spec.firms.overhead
        self.arr_multiple = spec.firms.arr_multiple
        self.log_min = [math.log(self.k.round_min_krw[r]) for r in ROUND_STAGES]
        self.log_max = [math.log(self.k.round_max_krw[r]) for r in ROUND_STAGES]
        self.bar = [self.k.bar[r] for r in ROUND_STAGES]
        cities = Cities.from_scenario(spec)
        self.n_cities = len(cities)
        self.n_sectors = len(spec.sectors)
        self.amenity = [c.amenity for c in spec.cities]
        self.log_cost = [math.log(c.cost_of_living) for c in spec.cities]
        self.travel = cities.travel_time_hours.tolist()
        self.constant = [b.action_constants[a] for a in ACTIONS]
        self.incentive = [[0.0] * N_ACTIONS for _ in range(self.n_cities)]
        self.base_log_wage = [math.log(spec.labour.monthly_wage_krw[a]) for a in ACTIONS]
        self.n_markets = self.n_cities * N_ACTIONS

        gen = np.random.default_rng(rng)
        s = self.scale
        startups = max(round(STARTUPS_PER_PERSON * people), 1) if startups is None else startups
        investors = max(round(INVESTORS_FULL * s), 1) if investors is None else investors
        factories = (max(round(FACTORIES_PER_PERSON * people), self.n_cities)
                     if factories is None else factories)
        institutes = len(spec.institutes) if institutes is None else institutes
        self._build(gen, people, startups, investors, factories, institutes, cities)
        self.reset_counts()

    # ------------------------------------------------------------------ building
    def _build(self, gen, n_people, n_startups, n_investors, n_factories, n_institutes, cities):
        spec, C, S = self.spec, self.n_cities, self.n_sectors
        talent = np.array([c.talent_stock for c in spec.cities], dtype=np.float64)
        firms = np.array([c.venture_firms for c in spec.cities], dtype=np.float64)
        shares = np.array([[c.sector_shares.get(k, 0.0) for k in spec.sectors]
                           for c in spec.cities])
        shares /= shares.sum(axis=1, keepdims=True)

        def sectors_in(city):
            u = gen.random(city.size)[:, None]
            return np.minimum((u > np.cumsum(shares[city], axis=1)).sum(axis=1), S - 1)

        # Employers: institutes, factories, startups (each a Mesa agent).
        inst_city = np.array([spec.city_index(i.city) for i in spec.institutes])
        inst_city = inst_city[np.arange(n_institutes) % inst_city.size]
        fac_city = np.r_[np.arange(C), gen.choice(C, n_factories - C, p=talent / talent.sum())]
        su_city = gen.choice(C, n_startups, p=firms / firms.sum())
        stage = gen.choice(len(STAGES), n_startups, p=[spec.startup_stage_shares[k]
                                                       for k in STAGES])
        heads = np.array([spec.labour.startup_headcount[k] for k in STAGES])[stage]
        # People by role; employed ones spread over their employers.
        n_research = round(ROLE_SHARES[RESEARCHER] * n_people)
        n_founders = round(ROLE_SHARES[FOUNDER] * n_people)
        n_startup = min(round(ROLE_SHARES[STARTUP_EMPLOYEE] * n_people),
                        int(heads.sum()))
        n_corporate = n_people - n_research - n_founders - n_startup
        role = np.repeat([RESEARCHER, FOUNDER, STARTUP_EMPLOYEE, CORPORATE_EMPLOYEE],
                         [n_research, n_founders, n_startup, n_corporate])
        employer_of = np.full(n_people, -1)
        lo = 0
        for count, n_emp, weight in (
            (n_institutes, n_research, None),  # researchers
            (n_startups, n_founders, None),  # founders
            (n_startups, n_startup, heads / heads.sum()),  # startup employees
            (n_factories, n_corporate, None),  # corporate employees
        ):
            employer_of[lo:lo + n_emp] = gen.choice(count, n_emp, p=weight)
            lo += n_emp
        emp_city = {RESEARCHER: inst_city, FOUNDER: su_city, STARTUP_EMPLOYEE: su_city,
                    CORPORATE_EMPLOYEE: fac_city}
        city = np.empty(n_people, dtype=np.int64)
        for r, where in emp_city.items():
            sel = role == r
            city[sel] = where[employer_of[sel]]
        home = np.where(gen.random(n_people) < 0.6, city, gen.choice(C, n_people,
                                                                     p=talent / talent.sum()))
        alma = np.where(gen.random(n_people) < 0.5, inst_city[gen.integers(0, n_institutes,
                                                                          n_people)], -1)
        degree = gen.choice([-1, 0, 1, 2], n_people, p=[0.4, 0.35, 0.18, 0.07])
        age = gen.integers(24 * 12, 64 * 12, n_people)
        experience = np.maximum(age - 26 * 12, 0)
        exits = (gen.random(n_people) < 0.002).astype(np.int64)

        self.institutes = [Institute(self, int(c), 0, 0) for c in inst_city]
        self.factories = [Factory(self, int(c), 0, 0) for c in fac_city]
        self.startups = [
            Startup(self, int(c), int(sec), 0, int(st), float(q), float(rev), 0.0)
            for c, sec, st, q, rev in zip(
                su_city.tolist(), sectors_in(su_city).tolist(), stage.tolist(),
                gen.standard_normal(n_startups).tolist(),
                (10e6 * np.exp(gen.normal(-1.5, 1.0, n_startups))).tolist(), strict=True)
        ]
        by_role = {RESEARCHER: self.institutes, FOUNDER: self.startups,
                   STARTUP_EMPLOYEE: self.startups, CORPORATE_EMPLOYEE: self.factories}
        people = []
        for c, h, a, sec, sk, d, x, r, e, emp in zip(
                city.tolist(), home.tolist(), alma.tolist(), sectors_in(city).tolist(),
                gen.standard_normal(n_people).tolist(), degree.tolist(), experience.tolist(),
                role.tolist(), exits.tolist(), employer_of.tolist(), strict=True):
            p = Person(self, c, h, a, sec, sk, d, x, r, e)
            p.employer = by_role[r][emp]
            p.employer.staff += 1
            people.append(p)
        for e in (*self.institutes, *self.factories, *self.startups):
            e.positions = e.staff
        # Ties: up to 8 other people, most in one's own city (as alumni and colleagues).
        by_city = [np.flatnonzero(city == c) for c in range(C)]
        n_ties = gen.integers(2, 9, n_people)
        for i, p in enumerate(people):
            local = by_city[p.city]
            picks = np.where(gen.random(n_ties[i]) < 0.7,
                             local[gen.integers(0, local.size, n_ties[i])],
                             gen.integers(0, n_people, n_ties[i]))
            p.ties = [people[j] for j in picks.tolist() if j != i]
        # Investors, from the scenario's groups (at least one of each kind present).
        groups = [(spec.city_index(g.city), g.kind, g.fund_size_krw, g.count)
                  for g in spec.investors]
        weight = np.array([g[3] for g in groups], dtype=np.float64)
        pick = gen.choice(len(groups), n_investors, p=weight / weight.sum())
        represents = 1.0 / self.scale
        distance = cities.distance_km
        k = self.k
        for g in pick.tolist():
            c, kind, fund, _ = groups[g]
            # angels (and local-mandate funds) reach nearby cities most, as in ecosim
            exponent = (k.angel_distance_exponent if kind == ANGEL
                        else self.spec.behaviour.investor_distance_exponent)
            Investor(self, c, kind, fund, represents,
                     {ROUND_STAGES.index(st) for st in k.stages[kind]},
                     set(gen.choice(S, k.thesis_sectors, replace=False).tolist()),
                     ((1.0 + distance[:, c]) ** -exponent).tolist())

    # ------------------------------------------------------------------ a month
    def prepare_month(self, searchers: int, seekers: int, open_positions: dict[int, int]):
        """Set up the month to compare: who is unemployed, who is short of cash, open positions.

        Args:
            searchers: Searchers wanted: that many minus the expected on-the-job
                searchers are made unemployed (the on-the-job ones are drawn in
                ``Person.step``, so the realised count varies by a few tens).
            seekers: Startups made short of runway (exactly that many seek a round).
            open_positions: Open positions by action (STARTUP_JOB, CORPORATE_JOB,
                RESEARCH), spread over the employers of that action by size.
        """
        gen = np.random.default_rng(self.random.getrandbits(32))
        people = list(self.agents_by_type[Person])
        movable = [p for p in people if p.role != FOUNDER]
        p_otj = self.on_the_job_search
        unemployed = round(max(searchers - p_otj * len(movable), 0) / (1.0 - p_otj))
        for p in movable:  # last month's unmatched: employed outside the model's firms
            if p.role == SEARCHING:
                p.role = CORPORATE_EMPLOYEE
        for i in gen.permutation(len(movable))[:unemployed].tolist():
            p = movable[i]
            if p.employer is not None:
                p.employer.staff -= 1
                p.employer = None
            p.role = SEARCHING
        for kind, action in ((self.startups, STARTUP_JOB), (self.factories, CORPORATE_JOB),
                             (self.institutes, RESEARCH)):
            size = np.array([e.staff for e in kind], dtype=np.float64) + 1.0
            extra = gen.multinomial(int(open_positions.get(action, 0)), size / size.sum())
            for e, n in zip(kind, extra.tolist(), strict=True):
                e.positions = e.staff + n
        short = set(gen.permutation(len(self.startups))[:seekers].tolist())
        for i, su in enumerate(self.startups):
            burn = max(su.burn(), self.burn_per_head)
            su.cash = (0.5 if i in short else 10.0) * self.k.runway_months * burn
            su.months_since_round = 0
        for inv in self.agents_by_type[Investor]:
            inv.dry_powder = inv.fund_size
            inv.budget = 0.0

    def reset_counts(self):
        """Zero this month's counters."""
        self.searchers = self.applicants = self.hires = self.would_found = 0
        self.seekers = self.rounds = 0

    def begin_month(self):
        """What each (city, action) offers, as ``ecosim.phases.labour.places`` computes it."""
        C, S = self.n_cities, self.n_sectors
        people = self.agents_by_type[Person]
        # Density wage premium: people of one's sector in the city vs the average city.
        density = [[1.0] * S for _ in range(C)]
        for p in people:
            density[p.city][p.sector] += 1.0
        mean = [sum(density[c][s] for c in range(C)) / C for s in range(S)]
        e = self.density_elasticity
        self.log_wage = [[[self.base_log_wage[a] + e * math.log(density[c][s] / mean[s])
                           for a in range(N_ACTIONS)] for s in range(S)] for c in range(C)]
        # Open positions by market, and the employers that have them.
        self.vacancies = [[] for _ in range(self.n_markets)]
        n_open = [0] * self.n_markets
        for employer in (*self.startups, *self.factories, *self.institutes):
            n = employer.open_positions()
            if n > 0:
                self.vacancies[employer.market].append(employer)
                n_open[employer.market] += n
        scene = [0] * C
        for su in self.startups:
            scene[su.city] += 1
        self.log_open = [[math.log1p((scene[c] if a == FOUND else n_open[c * N_ACTIONS + a])
                                     / self.scale) for a in range(N_ACTIONS)] for c in range(C)]
        # Investors: budgets, access from each city, and who can be sampled for each round.
        investors = list(self.agents_by_type[Investor])
        k = self.k
        access = [0.0] * C
        for inv in investors:
            inv.budget = min(inv.budget + inv.fund_size * k.deployment / 12.0, inv.dry_powder)
            for c in range(C):
                access[c] += inv.reach[c] * inv.dry_powder
        logs = [math.log1p(a / self.scale / 1e9) for a in access]
        mean_log = sum(logs) / C
        self.log_investor = [x - mean_log for x in logs]
        self.investor_pools = []
        for r in range(len(ROUND_STAGES)):
            smallest = k.round_min_krw[ROUND_STAGES[r]]
            pool = [inv for inv in investors if r in inv.stages and inv.budget >= smallest]
            self.investor_pools.append(
                (pool, list(accumulate(inv.represents for inv in pool))))

    def step(self):
        """One month: offers, people's choices and applications, hiring, fundraising."""
        self.reset_counts()
        self.begin_month()
        self.agents_by_type[Person].shuffle_do("step")
        self.agents_by_type[Factory].shuffle_do("hire")
        self.agents_by_type[Institute].shuffle_do("hire")
        self.agents_by_type[Startup].shuffle_do("step")  # hire, then raise if short

    def counts(self) -> dict[str, int]:
        """This month's searchers, applicants, hires, would-be founders, seekers and rounds."""
        return {"searchers": self.searchers, "applicants": self.applicants, "hires": self.hires,
                "would_found": self.would_found, "seekers": self.seekers, "rounds": self.rounds}


def main(argv: list[str] | None = None) -> int:
    """Build and step the Mesa reference; print build and step times and counts."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--people", type=int, default=100_000)
    p.add_argument("--months", type=int, default=2)
    p.add_argument("--searching", type=float, default=0.068,
                   help="share of people searching each month (ecosim's February: ~0.068)")
    p.add_argument("--seeking", type=float, default=0.05,
                   help="share of startups seeking a round each month")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    model = MesaEcosystem(args.people)
    print(f"built {len(model.agents):,} agents in {time.perf_counter() - t0:.2f} s")
    n_su = len(model.startups)
    opens = {STARTUP_JOB: round(0.005 * args.people), CORPORATE_JOB: round(0.015 * args.people),
             RESEARCH: round(0.001 * args.people)}
    for month in range(1, args.months + 1):
        model.prepare_month(round(args.searching * args.people), round(args.seeking * n_su), opens)
        t0 = time.perf_counter()
        model.step()
        print(f"month {month}: {(time.perf_counter() - t0) * 1e3:,.1f} ms {model.counts()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
