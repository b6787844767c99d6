"""The Lightdash API emulator (see ``COVERAGE.md`` beside this file)."""

from reconciler.providers.lightdash.sandbox.emulator import LightdashEmulator

__all__ = ["LightdashEmulator"]
