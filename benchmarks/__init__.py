"""Scale and latency benchmarks of the reconciler (issue 8, DESIGN.md §9). Not timed tests.

``python -m benchmarks.run`` (or ``make bench``) starts ``reconciler sandbox`` in its own process
with a per-request latency, generates an estate of N resources over every registered provider
(``estate``), runs the real CLI as a measured child process (``measure``), runs the per-object
GET baselines (``baselines``) and prints the figures next to the round-trip floor (``report``).

Modules: ``estate`` (generators, floors), ``sandbox_process`` (the server process),
``measure`` (one CLI run: wall, CPU, peak RSS, bytes written to state), ``baselines``,
``scenarios`` (what one run measures), ``hotspots`` (a profile's top functions), ``report``
(table, targets and JSON), ``run`` (the command line). Method and latest figures:
``docs/performance.md``.
"""
