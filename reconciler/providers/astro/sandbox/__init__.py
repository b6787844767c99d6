"""The Astro emulator (mounted by the sandbox at ``/astro``); see COVERAGE.md."""

from reconciler.providers.astro.sandbox.emulator import AstroEmulator

__all__ = ["AstroEmulator"]
