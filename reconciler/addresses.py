"""Resource addresses: ``<type>.<name>`` keys plans, state and the graph alike.

``type`` is ``<provider>_<kind>`` (``dataiku_project``); ``name`` is the user's label, unique per
type. Addresses order by (type, name) so that state files and plans are stable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TYPE = r"[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]"
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
ADDRESS_RE = re.compile(rf"^(?P<type>{_TYPE})\.(?P<name>{_NAME})$")
ADDRESS_FORMAT = "<provider>_<kind>.<name>, e.g. dataiku_project.sales (name: letters, digits, _ and -)"


@dataclass(frozen=True, order=True)
class Address:
    """A resource's address. Immutable, hashable, ordered by (type, name)."""

    type: str
    name: str

    @property
    def provider(self) -> str:
        """The provider part of the type: ``dataiku`` for ``dataiku_project``."""
        return self.type.split("_", 1)[0]

    @classmethod
    def parse(cls, text: str) -> "Address":
        """Parse ``type.name``; raise ``ValueError`` naming the allowed form when malformed."""
        match = ADDRESS_RE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{text!r} is not a resource address; expected {ADDRESS_FORMAT}")
        return cls(match["type"], match["name"])

    @property
    def kind(self) -> str:
        """The kind part of the type: ``project`` for ``dataiku_project``."""
        return self.type.split("_", 1)[1]

    def __str__(self) -> str:
        return f"{self.type}.{self.name}"

    def to_json(self) -> str:
        return str(self)

    @classmethod
    def from_json(cls, data: str) -> "Address":
        return cls.parse(data)

