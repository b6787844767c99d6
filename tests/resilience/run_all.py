"""Every resilience scenario at the issue's size, in order, then the secrets scan over all of
their files; prints each one's figures (what ``docs/reliability.md`` records).

    python -m tests.resilience.run_all --full --workdir /tmp/resilience
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from tests.resilience import bad_input, concurrency, crash, faults, outage, secret_leaks, transport

SCENARIOS = (faults, outage, crash, concurrency, bad_input, transport, secret_leaks)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    worst = 0
    for module in SCENARIOS:
        started = time.monotonic()
        code = module.main(args)
        print(f"\n({module.__name__.rsplit('.', 1)[1]}: {time.monotonic() - started:.0f} s, exit {code})\n", flush=True)
        worst = max(worst, code)
    return worst


if __name__ == "__main__":
    sys.exit(main())
