"""The DataRobot emulator, mounted by the sandbox at ``/datarobot`` (API root ``/api/v2``).

``world`` (state, ids, knobs, async jobs) assembled from ``deployments``, ``environments`` and
``catalog``; ``seed`` (the seeded catalog with stable ids), ``payloads`` (request validation),
``paging`` (DataRobot's pagination envelope), ``errors`` (wire-shaped errors), ``handlers`` and
``routes`` (HTTP adapter), ``emulator`` (auth and the sandbox contract). COVERAGE.md lists every
endpoint and how it is tested.
"""

from reconciler.providers.datarobot.sandbox.emulator import DataRobotEmulator
from reconciler.providers.datarobot.sandbox.world import DataRobotWorld

__all__ = ["DataRobotEmulator", "DataRobotWorld"]
