"""The Dataiku DSS emulator, mounted by the sandbox at ``/dataiku``.

``models`` (the in-memory DSS world, composed of the ``model_*`` families over ``model_core``),
``handlers*`` (HTTP adapters, one module per family, helpers in ``replies``), ``routes`` (routes
as data), ``errors`` (DSS error bodies), ``payloads*`` (request validation), ``documents*``
(seeded instance and default documents), ``emulator`` (auth, headers, the sandbox contract).
COVERAGE.md lists every endpoint and how it is tested.
"""

from reconciler.providers.dataiku.sandbox.emulator import DataikuEmulator
from reconciler.providers.dataiku.sandbox.models import ROOT, DataikuWorld

__all__ = ["DataikuEmulator", "DataikuWorld", "ROOT"]
