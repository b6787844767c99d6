"""Scale, latency and rate-limit benchmarks of the reconciler (issue 18, DESIGN.md §9). Not timed
tests: every figure is a ratio against a floor or a baseline measured in the same run.

``python -m benchmarks.run`` (or ``make bench``) starts ``reconciler sandbox`` in its own process
with a per-request latency (100 ms by default), generates estates of N resources over the
registered providers (``estate``), runs the real CLI as measured child processes (``measure``),
runs the per-object GET baselines (``baselines``) and prints the figures next to the floors and
the targets (``report``).

Modules: ``estate`` (generators, floors), ``sandbox_process`` (the server process and what it
counted), ``measure`` (one CLI run: wall, CPU, peak RSS, bytes written to state),
``baselines``, ``scenarios`` (options and results as data), ``phases`` (what one run does, in
order), ``targets`` (the targets, measured from a run), ``hotspots`` (a profile's top
functions), ``report`` (table and JSON), ``run`` (the command line). Method, latency model and
latest table: ``docs/performance.md``.
"""
