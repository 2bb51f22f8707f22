"""A provider simulator on 127.0.0.1 that speaks each image provider's wire protocol.

with ProviderSimulator(latency=0.5) as sim:
    os.environ.update(sim.env())
    sim.set_fault("bfl", "429", count=1, retry_after=1)
"""

from __future__ import annotations

from .drawing import draw
from .faults import MODES, PROVIDERS
from .server import ProviderSimulator

__all__ = ["MODES", "PROVIDERS", "ProviderSimulator", "draw"]
