"""Outputs: metrics, tidy frames, ranking and plots, read from a finished or running World.

Outputs sit above the phases and below the model: they read a
:class:`~ecosim.state.world.World` (and the model's DataCollector), never the
model itself, so the model's own output methods delegate here.
"""
