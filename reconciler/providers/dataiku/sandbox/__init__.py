"""The Dataiku DSS emulator, mounted by the sandbox at ``/dataiku``.

Laid out as every emulator is (``reconciler.sandbox.emulator``), with one module per object
family in each of the three packages: ``models`` (the in-memory DSS world, its families over
``models.core``), ``handlers`` (the HTTP adapter, helpers in ``handlers.common``), ``payloads``
(request bodies and the documents DSS answers with), ``routes`` (routes as data), ``errors`` (DSS
error bodies), ``seed`` (the seeded instance), ``emulator`` (auth, headers, the sandbox contract).
COVERAGE.md lists every endpoint and how it is tested.
"""

from reconciler.providers.dataiku.sandbox.emulator import DataikuEmulator
from reconciler.providers.dataiku.sandbox.models import ROOT, DataikuWorld

__all__ = ["DataikuEmulator", "DataikuWorld", "ROOT"]
