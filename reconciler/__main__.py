"""``python -m reconciler``, and the ``reconciler`` console script (``run``)."""

import gc


def run() -> None:
    """The ``reconciler`` process. The cyclic collector is off while the CLI's modules import
    (they build only objects that live as long as the process: some eighty collections that free
    nothing); ``cli.entrypoint`` then tunes the interpreter for the run (``cli/interpreter.py``)."""
    gc.disable()
    from reconciler.cli import entrypoint

    entrypoint()


if __name__ == "__main__":
    run()
