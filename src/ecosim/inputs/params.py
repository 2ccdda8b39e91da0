"""Behavioural and market parameters of a scenario: weights, hazards, endowments.

None of them sets an outcome: there is no migration rate, retention rate or
capital share among them. Each packaged value carries a source or is marked as
an estimate in the scenario file's ``sources`` tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Behaviour", "Capital", "Firms", "Labour", "Policy", "PolicyPackage", "Ranking"]


@dataclass(frozen=True)
class Behaviour:
    """Behavioural weights and hazards. None of them names an outcome.

    Career and location choice is a random-utility choice over every (city,
    action) alternative; the ``w_*`` fields are the weights of its terms
    (utility units per unit of the term). Agglomeration enters only through
    local quantities: open positions, ties, investor access and the density
    wage premium.

    Attributes:
        retirement_age: Age (years) from which people may retire.
        retirement_hazard: Yearly probability of retiring once past ``retirement_age``.
        emigration_hazard: Yearly probability of emigrating abroad.
        exit_hazard: Monthly probability that a searcher without a position
            leaves technical work (and the model).
        on_the_job_search: Monthly probability that an employed person searches.
        initial_age_min: Youngest age (years) in the initial talent stock.
        initial_age_max: Oldest age (years) in the initial talent stock.
        graduation_age: Typical age (years) at graduation by degree.
        w_wage: Weight of log monthly wage (KRW).
        w_open: Weight of log(1 + open positions of that action in that city),
            counted at full scale.
        w_ties: Weight of log(1 + the person's ties living in that city).
        w_investor: Weight of log investor access (distance-decayed dry powder,
            KRW at full scale; relative to the mean city) for founding.
        w_amenity: Weight of the city's amenity index.
        w_cost: Weight of log cost of living (a cost: subtracted).
        w_move: Fixed cost of moving to another city.
        w_travel: Cost per hour of travel time from the current city.
        w_home: Attachment to the home city.
        w_alma: Attachment to the alma mater's city.
        w_stay: Cost of leaving one's current position (for on-the-job searchers).
        w_serial: Extra value of founding for someone whose company exited.
        w_scene: Weight of log(1 + startups in the city, at full scale) for
            founding: the local scene a founder joins (plays the role that
            open positions play for jobs).
        horizon_months: Months over which people weigh a one-off sum (a grant,
            a fellowship) against monthly pay in their choice.
        founding_experience: Months of work experience before someone can found
            a company (PhDs and researchers can found at once: spin-offs).
        action_constants: Alternative-specific constants by action
            (``startup_job``, ``corporate_job``, ``research``, ``found``).
        density_wage_elasticity: Elasticity of wages with respect to the local
            number of workers in one's sector.
        investor_distance_exponent: Investor access decays as distance (km) to this power.
        initial_ties: Ties each person of the initial stock has in their city.
        alumni_ties: Ties each graduate forms with their graduating cohort.
        colleague_ties: Ties a new hire forms in the city of the new position.
        sources: Source or "est." for each field above, by field name.
    """

    retirement_age: float = 60.0
    retirement_hazard: float = 0.25
    emigration_hazard: float = 0.005
    exit_hazard: float = 0.03
    on_the_job_search: float = 0.015
    initial_age_min: float = 24.0
    initial_age_max: float = 64.0
    graduation_age: dict[str, float] = field(
        default_factory=lambda: {"bs": 24.0, "ms": 27.0, "phd": 32.0}
    )
    w_wage: float = 1.0
    w_open: float = 0.6
    w_ties: float = 0.5
    w_investor: float = 0.4
    w_amenity: float = 1.0
    w_cost: float = 1.0
    w_move: float = 1.0
    w_travel: float = 0.4
    w_home: float = 0.8
    w_alma: float = 0.5
    w_stay: float = 1.0
    w_serial: float = 1.0
    w_scene: float = 0.3
    horizon_months: int = 60
    founding_experience: int = 24
    action_constants: dict[str, float] = field(
        default_factory=lambda: {"startup_job": -0.3, "corporate_job": 0.0, "research": -0.3,
                                 "found": -1.2}
    )
    density_wage_elasticity: float = 0.04
    investor_distance_exponent: float = 0.3
    initial_ties: int = 4
    alumni_ties: int = 4
    colleague_ties: int = 2
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Labour:
    """Labour-market endowments: wages and positions (none of them an outcome).

    Attributes:
        monthly_wage_krw: Base monthly pay (KRW) by action, before the density
            premium; for ``found``, a founder's expected draw.
        startup_headcount: Positions a startup of each stage seeks to fill
            (persons, founder included).
        corporate_openings: Open positions of established firms at the start,
            as a share of their technical staff.
        corporate_growth: Yearly growth of established firms' technical positions.
        sources: Source or "est." for each field above, by field name.
    """

    monthly_wage_krw: dict[str, float] = field(
        default_factory=lambda: {"startup_job": 4.0e6, "corporate_job": 4.6e6,
                                 "research": 3.9e6, "found": 2.5e6}
    )
    startup_headcount: dict[str, float] = field(
        default_factory=lambda: {"pre_seed": 2, "seed": 5, "series_a": 10, "series_b": 25,
                                 "series_c_plus": 60}
    )
    corporate_openings: float = 0.02
    corporate_growth: float = 0.02
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Firms:
    """How startups are founded, grow, demonstrate, exit and move.

    Attributes:
        savings_rate: Share of monthly pay a person saves.
        founder_savings_share: Share of their savings founders put into the company.
        founding_grant_krw: Grant a new startup receives (KRW).
        cofounder_join: Probability that a tie living in the city joins as co-founder.
        max_cofounders: Most co-founders per startup.
        quality_skill: Weight of the team's mean skill in latent quality.
        quality_research: Weight of the alma mater's research strength in the sector.
        quality_sd: Standard deviation of the idiosyncratic part of quality.
        initial_traction: Traction of a new startup.
        traction_target: Traction a pre-seed startup of zero quality tends to.
        traction_quality: Rise of the target per unit of quality.
        traction_fit: Rise of the target per unit of local research fit in the sector.
        traction_stage: Rise of the target per funding round raised: the capacity
            to grow that each round's money buys (hires, sales, production).
        traction_speed: Share of the gap to the target closed each month.
        traction_sd: Standard deviation of monthly traction shocks, which are
            Laplace-distributed (heavy-tailed, as firms' growth rates are).
        revenue_krw: Monthly revenue at traction 0 (revenue = this * exp(traction)).
        margin: Share of revenue that adds to cash (what is left after the costs
            of sales); the rest pays for what was sold.
        overhead: Monthly burn per employee as a multiple of the startup wage.
        founder_pay: Founders' pay as a share of the startup wage until their
            company raises a Series A.
        arr_multiple: Valuation as a multiple of yearly revenue (for the traction-based valuation).
        acquisition_hazard: Monthly probability of an acquisition offer for a
            startup at Series A or later with positive traction.
        acquisition_premium: Price paid over the last valuation in an acquisition.
        ipo_valuation_krw: Valuation (KRW) from which an IPO is possible.
        ipo_hazard: Monthly probability of an IPO once possible.
        maturity_months: Age (months) after which a startup whose revenue covers
            its burn and that is valued below ``ipo_valuation_krw`` is no longer
            a startup: it becomes one of the city's established firms.
        unicorn_krw: Valuation (KRW) counted as a unicorn (US$1B).
        demo_month: Calendar month in which factories open demonstration slots.
        demo_slots_per_1000: Demonstration slots a year per 1,000 factory employees.
        demo_traction: Traction gained from a demonstration.
        demo_acquisition: Factor on the acquisition hazard after a demonstration.
        relocation_search: Monthly probability that a funded startup reconsiders its city.
        w_reloc_investor: Weight of log investor access in the relocation choice.
        w_reloc_factories: Weight of log(1 + factories buying from its sector).
        w_reloc_talent: Weight of log(1 + workers of its sector).
        w_reloc_cost: Weight of log cost of living (a cost).
        w_reloc_move: Fixed cost of moving the head office.
        w_reloc_travel: Cost per hour of travel from the current city.
        angel_threshold_krw: Exit wealth (KRW) from which a founder becomes an angel.
        angel_share: Share of exit wealth an angel commits to investing.
        sources: Source or "est." for each field above, by field name.
    """

    savings_rate: float = 0.15
    founder_savings_share: float = 0.5
    founding_grant_krw: float = 30e6
    cofounder_join: float = 0.3
    max_cofounders: int = 2
    quality_skill: float = 0.5
    quality_research: float = 0.2
    quality_sd: float = 1.0
    initial_traction: float = -2.0
    traction_target: float = -1.0
    traction_quality: float = 1.0
    traction_fit: float = 0.2
    traction_stage: float = 1.2
    traction_speed: float = 0.05
    traction_sd: float = 0.15
    revenue_krw: float = 10e6
    margin: float = 0.5
    overhead: float = 1.5
    founder_pay: float = 0.3
    arr_multiple: float = 3.0
    acquisition_hazard: float = 0.0015
    acquisition_premium: float = 1.3
    ipo_valuation_krw: float = 150e9
    ipo_hazard: float = 0.005
    maturity_months: int = 120
    unicorn_krw: float = 1.4e12
    demo_month: int = 3
    demo_slots_per_1000: float = 1.0
    demo_traction: float = 0.5
    demo_acquisition: float = 2.0
    relocation_search: float = 0.01
    w_reloc_investor: float = 0.5
    w_reloc_factories: float = 0.3
    w_reloc_talent: float = 0.5
    w_reloc_cost: float = 1.0
    w_reloc_move: float = 2.0
    w_reloc_travel: float = 0.3
    angel_threshold_krw: float = 1e9
    angel_share: float = 0.1
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Capital:
    """How investors find, screen and fund startups.

    Attributes:
        round_min_krw: Smallest round (KRW) by the stage it leads to
            (``seed``, ``series_a``, ``series_b``, ``series_c_plus``).
        round_max_krw: Largest round (KRW) by the stage it leads to.
        dilution: Share of the company sold in a round at the round-based valuation.
        valuation_quality: Elasticity of the offered valuation to observed quality
            above the bar (valuation x exp(this x (seen - bar))).
        initial_dry_powder: Share of each fund's size not yet invested at the start.
        initial_valuation_sd: Spread (log standard deviation) of the valuations of
            the startups alive at the start around their last round's post-money.
        runway_months: A startup seeks a round when its cash covers fewer months of burn.
        round_interval: Months after a round from which a startup whose traction
            has reached its stage's milestone seeks the next one.
        milestone: The milestone, as traction above what a zero-quality startup
            with its rounds tends to (``traction_target + traction_stage * rounds``).
        candidates: Investors a seeker approaches per month (sampled, not scanned).
        screen: Probability that an approached investor with a sector fit screens the startup.
        sector_fit: How many times likelier a fit is screened than a non-fit.
        observation_sd: Standard deviation of an investor's error on quality.
        bar: Observed quality an investor requires, by the stage the round leads to.
        stages: Stages each investor kind funds (rounds leading to these stages).
        thesis_sectors: Sectors in each VC's thesis (drawn at build).
        commitments: New capital committed to each fund per year, as a share of its size.
        deployment: Share of its size a fund may invest per year (its pace; unused
            budget carries over, never beyond its dry powder).
        angel_distance_exponent: Distance decay of angels (in place of the
            behaviour section's ``investor_distance_exponent``): angels invest
            closer to home than funds.
        sources: Source or "est." for each field above, by field name.
    """

    round_min_krw: dict[str, float] = field(default_factory=lambda: {
        "seed": 50e6, "series_a": 0.3e9, "series_b": 8e9, "series_c_plus": 30e9})
    round_max_krw: dict[str, float] = field(default_factory=lambda: {
        "seed": 300e6, "series_a": 8e9, "series_b": 30e9, "series_c_plus": 100e9})
    dilution: float = 0.2
    valuation_quality: float = 0.3
    initial_dry_powder: float = 0.35
    initial_valuation_sd: float = 0.75
    runway_months: float = 6.0
    round_interval: int = 24
    milestone: float = 0.0
    candidates: int = 8
    screen: float = 0.5
    sector_fit: float = 6.0
    observation_sd: float = 0.5
    bar: dict[str, float] = field(default_factory=lambda: {
        "seed": 0.0, "series_a": 0.5, "series_b": 1.0, "series_c_plus": 1.5})
    stages: dict[str, list[str]] = field(default_factory=lambda: {
        "vc": ["seed", "series_a", "series_b"],
        "fund_of_funds": [],
        "regional_fund": ["seed", "series_a"],
        "corporate_vc": ["series_a", "series_b", "series_c_plus"],
        "angel": ["seed", "series_a"],
        "growth": ["series_b", "series_c_plus"],
    })
    thesis_sectors: int = 3
    commitments: float = 0.2
    deployment: float = 0.25
    angel_distance_exponent: float = 1.0
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PolicyPackage:
    """One city's Startup City package.

    Attributes:
        city: The city.
        budget_krw: Yearly budget (KRW).
        levers: Share of the budget on each lever (``talent``,
            ``commercialization``, ``investment``, ``infrastructure``); sums to 1.
        focus_sectors: The city's focus sectors (testbeds and the policy fund's thesis).
        open_factories: Factories open their floors to startups (Ulsan): more
            demonstration slots per KRW of infrastructure budget.
        source: Where the numbers come from, or "est.".
    """

    city: str
    budget_krw: float
    levers: dict[str, float]
    focus_sectors: tuple[str, ...] = ()
    open_factories: bool = False
    source: str = ""


@dataclass(frozen=True)
class Policy:
    """Startup City policy: packages per city and what a won of each lever buys.

    Every lever acts on agents' inputs, never on outcomes, and every budget is
    spent at the model's scale (a model of scale 0.1 pays a tenth of the
    grants, fellowships and fund money; amounts per recipient are real):

    * talent: extra graduates at the city's institutes (``graduate_krw`` each a
      year) and fellowships (``fellowship_share`` of the talent budget):
      ``fellowship_monthly_krw`` for ``fellowship_months`` to people who take
      a startup job or found a company in the city, while the year's slots
      last; searchers weigh the expected fellowship (its value times the
      chance of getting one) in their choice;
    * commercialization: a grant of ``grant_krw`` to each new startup in the
      city while the year's budget lasts, and, with ``stay_support_share`` of
      the budget, ``stay_support_krw`` a year to each funded startup
      headquartered there (support that depends on staying); founders weigh
      the expected grant, and firms the expected support when they choose a city;
    * investment: local-mandate policy funds in the city of ``fund_unit_krw``
      each (seed and Series A, the city's focus sectors, angels' distance
      decay), new ones each year;
    * infrastructure: testbeds (research fit of the focus sectors,
      ``testbed_krw`` per unit), demonstration slots (``demo_slot_krw`` each,
      a third of the cost with open factories) and amenity
      (``amenity_krw`` per 0.01 of the index), in equal thirds.

    Attributes:
        start_year: Year the packages start (each January from then on).
        packages: The packages.
        graduate_krw: Yearly cost of one extra graduate (KRW).
        fellowship_share: Share of the talent budget on fellowships.
        fellowship_monthly_krw: A fellow's monthly top-up (KRW).
        fellowship_months: Months a fellowship lasts.
        grant_krw: Commercialization grant per new startup (KRW).
        stay_support_share: Share of the commercialization budget paid as
            support to funded startups that keep their head office in the city.
        stay_support_krw: Yearly support per funded startup (KRW).
        fund_unit_krw: Size of one policy fund (KRW); the investment budget
            creates budget / fund_unit_krw funds a year.
        testbed_krw: Cost of one unit of research fit in a focus sector per year (KRW).
        demo_slot_krw: Cost of one demonstration slot (KRW).
        amenity_krw: Yearly cost of 0.01 of amenity index (KRW).
        sources: Source or "est." for each field above, by field name.
    """

    start_year: int = 2026
    packages: tuple[PolicyPackage, ...] = ()
    graduate_krw: float = 60e6
    fellowship_share: float = 0.5
    fellowship_monthly_krw: float = 1.0e6
    fellowship_months: int = 24
    grant_krw: float = 100e6
    stay_support_share: float = 0.3
    stay_support_krw: float = 100e6
    fund_unit_krw: float = 10e9
    testbed_krw: float = 20e9
    demo_slot_krw: float = 300e6
    amenity_krw: float = 10e9
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ranking:
    """A StartupBlink-style ecosystem score, fitted to the index's published editions.

    Score = quantity + quality + business environment, as the index computes
    it. Quantity counts startups and support organisations; quality counts
    capital raised, exit value, unicorn valuations and startup employees
    (weighted by ``quality_weights``); business environment is the country's
    level, damped for cities below a critical mass. How many index points a
    startup or a won is worth, the world's rank-score curve per edition, the
    business damping and the world's growth are fitted to the published points
    in ``points`` (see :mod:`ecosim.outputs.ranking`); the fields here are the
    data and the priors of that fit.

    Attributes:
        points: The published points: a file packaged in ``ecosim/inputs/data``
            or a path (see :mod:`ecosim.inputs.index_points`).
        first_edition: Earliest edition used (earlier ones had another method).
        country: The index's name of the scenario's country.
        published_names: Scenario city -> the index's name for it. Published
            ranks of the country's cities anchor the scores; cities without a
            name (or without points) are ranked but anchor nothing.
        ranked_cities: Cities that are ranked (aggregates are not).
        support_weight: Startups one support organisation counts as.
        quality_weights: KRW-equivalents of one unit of each quality indicator:
            ``funding`` (capital raised to date by live startups, per KRW),
            ``exits`` (the year's exit value, per KRW), ``unicorns`` (year-end
            unicorn valuations, per KRW), ``employees`` (startup employees, per
            person). The centre of their prior.
        weight_spread: Each quality weight but ``funding`` is drawn log-uniformly
            within this factor of its centre.
        world_growth: Mode of the index's yearly ecosystem growth, world average.
        world_growth_range: Low and high ends of the world growth prior
            (triangular with ``world_growth`` as its mode).
        country_growth: The index's yearly growth of ``country`` in the same
            edition; the world grows relative to the country by
            (1 + world) / (1 + country).
        draws: Draws of the fitted ranking parameters carried into every rank.
        sources: Source or "est." for each field above, by field name.
    """

    points: str = "startupblink_points.csv"
    first_edition: int = 2019
    country: str = ""
    published_names: dict[str, str] = field(default_factory=dict)
    ranked_cities: tuple[str, ...] = ()
    support_weight: float = 10.0
    quality_weights: dict[str, float] = field(default_factory=lambda: {
        "funding": 1.0, "exits": 0.1, "unicorns": 0.05, "employees": 1.0e8})
    weight_spread: float = 3.0
    world_growth: float = 0.21
    world_growth_range: tuple[float, ...] = (0.182, 0.274)
    country_growth: float = 0.237
    draws: int = 200
    sources: dict[str, str] = field(default_factory=dict)
