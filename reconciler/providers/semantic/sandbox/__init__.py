"""The semantic-model emulator (mounted by the sandbox at ``/semantic``); see COVERAGE.md."""

from reconciler.providers.semantic.sandbox.emulator import SemanticEmulator

__all__ = ["SemanticEmulator"]
