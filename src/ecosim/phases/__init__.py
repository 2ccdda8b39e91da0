"""Phases of the month (DESIGN.md section 3): functions of a World.

Each phase reads and writes the :class:`~ecosim.state.world.World` it is given
and returns a typed flow record (:mod:`ecosim.state.books`). No phase imports
the model, the outputs or another phase; the model's ``step`` is the schedule
that calls them in order.

* :mod:`~ecosim.phases.policy`: the Startup City levers (each January, each month).
* :mod:`~ecosim.phases.demography`: graduation (1); ageing, departures and saving (10).
* :mod:`~ecosim.phases.labour`: career and location choice and job matching (2-3).
* :mod:`~ecosim.phases.social`: colleague ties on joining a position (3).
* :mod:`~ecosim.phases.firms`: founding (4), progress (5), demonstration (7),
  settlement and relocation (8).
* :mod:`~ecosim.phases.capital`: fundraising (6), angels and commitments (9).
"""
