"""State: the tables, Mesa agent views, cities, books and the World that holds them.

Imports only :mod:`ecosim.inputs`, :mod:`ecosim.kernels` and :mod:`ecosim.vocab`.
"""

from ecosim.state.build import build_world
from ecosim.state.world import Clock, Statics, World

__all__ = ["Clock", "Statics", "World", "build_world"]
