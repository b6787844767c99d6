"""Resource addresses: ``<type>.<name>`` keys plans, state and the graph alike.

``type`` is ``<provider>_<kind>`` (``dataiku_project``); ``name`` is the user's label, unique per
type. An instance of a block with ``for_each`` also has a ``key``: ``dataiku_project.teams["sales"]``
(the key written as a JSON string; ``""`` for a plain block, which sorts before its instances).
Addresses order by (type, name, key) so that state files and plans are stable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_TYPE = r"[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]"
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
ADDRESS_RE = re.compile(rf"^(?P<type>{_TYPE})\.(?P<name>{_NAME})$")
#: an address with an optional instance key: ``type.name["key"]``
INSTANCE_RE = re.compile(rf'^(?P<type>{_TYPE})\.(?P<name>{_NAME})(?:\[(?P<key>"(?:[^"\\]|\\.)*")\])?$')
ADDRESS_FORMAT = ("<provider>_<kind>.<name>, e.g. dataiku_project.sales (name: letters, digits, _ and -), "
                  'or an instance of a for_each block: dataiku_project.teams["sales"]')


@dataclass(frozen=True, order=True)
class Address:
    """A resource's address. Immutable, hashable, ordered by (type, name, key)."""

    type: str
    name: str
    #: the instance key of a ``for_each`` block's instance; ``""`` for a plain block
    key: str = ""

    @property
    def provider(self) -> str:
        """The provider part of the type: ``dataiku`` for ``dataiku_project``."""
        return self.type.split("_", 1)[0]

    @property
    def block(self) -> "Address":
        """The address of the block this is an instance of (itself for a plain block)."""
        return Address(self.type, self.name) if self.key else self

    def instance(self, key: str) -> "Address":
        """The address of this block's instance ``key``."""
        return Address(self.type, self.name, key)

    @classmethod
    def parse(cls, text: str) -> "Address":
        """Parse ``type.name`` or ``type.name["key"]``; raise ``ValueError`` naming the allowed form
        when malformed."""
        match = INSTANCE_RE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{text!r} is not a resource address; expected {ADDRESS_FORMAT}")
        if match["key"] is None:
            return cls(match["type"], match["name"])
        try:
            key = json.loads(match["key"])
        except ValueError:
            raise ValueError(f"{text!r}: the instance key is not a valid quoted string; expected "
                             f"{ADDRESS_FORMAT}") from None
        if not key:
            raise ValueError(f"{text!r}: an instance key is not empty; expected {ADDRESS_FORMAT}")
        return cls(match["type"], match["name"], key)

    @property
    def kind(self) -> str:
        """The kind part of the type: ``project`` for ``dataiku_project``."""
        return self.type.split("_", 1)[1]

    def __str__(self) -> str:
        if not self.key:
            return f"{self.type}.{self.name}"
        return f"{self.type}.{self.name}[{json.dumps(self.key, ensure_ascii=False)}]"

    def to_json(self) -> str:
        return str(self)

    @classmethod
    def from_json(cls, data: str) -> "Address":
        return cls.parse(data)
