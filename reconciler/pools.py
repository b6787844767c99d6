"""Thread pools per provider: refresh and apply give each provider its own threads, so one slow
platform does not hold back the others (its HTTP client's budget bounds what reaches it)."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable


class ProviderPools:
    """One pool of ``threads`` per provider (at most ``limits[provider]`` where given), created on
    first use. ``shutdown`` (also on leaving a ``with``) waits for running work; with
    ``cancel_pending`` it drops work not yet started."""

    def __init__(self, threads: int, name: str, *, cancel_pending: bool = False,
                 limits: Callable[[str], int | None] | None = None) -> None:
        self.threads = max(1, threads)
        self.name = name
        self.cancel_pending = cancel_pending
        self.limits = limits
        self._pools: dict[str, ThreadPoolExecutor] = {}

    def submit(self, provider: str, fn: Callable[..., Any], *args: Any) -> Future:
        pool = self._pools.get(provider)
        if pool is None:
            limit = self.limits(provider) if self.limits is not None else None
            threads = min(self.threads, limit) if limit else self.threads
            pool = self._pools[provider] = ThreadPoolExecutor(threads, thread_name_prefix=f"{self.name}-{provider}")
        return pool.submit(fn, *args)

    def shutdown(self) -> None:
        for pool in self._pools.values():
            pool.shutdown(wait=True, cancel_futures=self.cancel_pending)

    def __enter__(self) -> "ProviderPools":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
