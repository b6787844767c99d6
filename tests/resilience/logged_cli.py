"""``python -m reconciler`` with every log record (DEBUG and up, every logger) on stderr.

The resilience suite runs its child processes through this, so that the secrets scan reads
their logs too: ``python -m tests.resilience.logged_cli apply --auto-approve``.
"""

from __future__ import annotations

import logging
import sys

from reconciler.cli import main as cli_main


def main() -> int:
    logging.basicConfig(level=logging.DEBUG, stream=sys.stderr,
                        format="%(levelname)s %(name)s: %(message)s")
    sys.argv[0] = "reconciler"
    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
