"""``python -m reconciler``: the ``reconciler`` command."""

import sys

from reconciler.cli import main

if __name__ == "__main__":
    sys.exit(main())
