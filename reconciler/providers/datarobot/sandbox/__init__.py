"""The DataRobot emulator, mounted by the sandbox at ``/datarobot`` (API root ``/api/v2``).

Laid out as every emulator is (``reconciler.sandbox.emulator``): ``models`` (state, ids, knobs,
async jobs; one module per family: ``deployments``, ``environments``, ``catalog``), ``seed`` (the
seeded catalog with stable ids), ``payloads`` (request bodies, document parts), ``handlers`` and
``routes`` (the HTTP adapter, with DataRobot's pagination envelope), ``errors`` (wire-shaped
errors), ``emulator`` (auth and the sandbox contract). COVERAGE.md lists every endpoint and how it
is tested.
"""

from reconciler.providers.datarobot.sandbox.emulator import DataRobotEmulator
from reconciler.providers.datarobot.sandbox.models import DataRobotWorld

__all__ = ["DataRobotEmulator", "DataRobotWorld"]
