"""The Lightdash provider: access, spaces and content as code (see docs/providers/lightdash.md)."""
