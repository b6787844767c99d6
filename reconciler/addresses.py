"""Resource addresses: ``<type>.<name>`` keys plans, state and the graph alike.

``type`` is ``<provider>_<kind>`` (``dataiku_project``); ``name`` is the user's label, unique per
type. Addresses order by (type, name) so that state files and plans are stable.
"""

from __future__ import annotations

import re

_TYPE = r"[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]"
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
ADDRESS_RE = re.compile(rf"^(?P<type>{_TYPE})\.(?P<name>{_NAME})$")
ADDRESS_FORMAT = "<provider>_<kind>.<name>, e.g. dataiku_project.sales (name: letters, digits, _ and -)"


class Address:
    """A resource's address. Immutable, hashable, ordered by (type, name).

    A slotted class with its hash computed once: addresses key every map of a run (hundreds of
    thousands of lookups), and each comparison is two string comparisons, no tuple built."""

    __slots__ = ("type", "name", "provider", "_hash")
    type: str
    name: str
    #: the provider part of the type: ``dataiku`` for ``dataiku_project``
    provider: str

    def __init__(self, type: str, name: str) -> None:  # noqa: A002 - the field is called type
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "provider", type.split("_", 1)[0])
        object.__setattr__(self, "_hash", hash((type, name)))

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"Address is immutable: cannot set {key}")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"Address is immutable: cannot delete {key}")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return self is other or (self.name == other.name and self.type == other.type)  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __lt__(self, other: "Address") -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return (self.type, self.name) < (other.type, other.name)

    def __le__(self, other: "Address") -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return (self.type, self.name) <= (other.type, other.name)

    def __gt__(self, other: "Address") -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return (self.type, self.name) > (other.type, other.name)

    def __ge__(self, other: "Address") -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return (self.type, self.name) >= (other.type, other.name)

    def sort_key(self) -> tuple[str, str]:
        """What addresses sort by (as ``sorted(key=Address.sort_key)``: cheaper than comparing pairs)."""
        return (self.type, self.name)

    def __repr__(self) -> str:
        return f"Address(type={self.type!r}, name={self.name!r})"

    def __reduce__(self) -> tuple:
        return (Address, (self.type, self.name))  # the hash is computed again in another process

    @classmethod
    def parse(cls, text: str) -> "Address":
        """Parse ``type.name``; raise ``ValueError`` naming the allowed form when malformed.
        The same text gives the same object (state, specs and references name each address
        thousands of times: a map lookup then matches it by identity, without ``__eq__``)."""
        found = _PARSED.get(text) if isinstance(text, str) else None
        if found is not None:
            return found
        match = ADDRESS_RE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{text!r} is not a resource address; expected {ADDRESS_FORMAT}")
        if len(_PARSED) >= _PARSED_MAX:  # a long-lived host parsing without end: start again
            _PARSED.clear()
        address = _PARSED[text] = cls(match["type"], match["name"])
        return address

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


#: text -> the address parsed from it (see ``Address.parse``); addresses are immutable
_PARSED: dict[str, Address] = {}
_PARSED_MAX = 200_000
