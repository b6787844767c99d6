"""Resource addresses: ``<type>.<name>`` keys plans, state and the graph alike.

``type`` is ``<provider>_<kind>`` (``dataiku_project``); ``name`` is the user's label, unique per
type. An instance of a block with ``for_each`` also has a ``key``: ``dataiku_project.teams["sales"]``
(the key written as a JSON string). Addresses order by (type, name, key), a block's own address
before its instances', so that state files and plans are stable.
"""

from __future__ import annotations

import json
import re

_TYPE = r"[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]"
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
ADDRESS_RE = re.compile(rf"^(?P<type>{_TYPE})\.(?P<name>{_NAME})$")
#: an address with an optional instance key: ``type.name["key"]``
INSTANCE_RE = re.compile(rf'^(?P<type>{_TYPE})\.(?P<name>{_NAME})(?:\[(?P<key>"(?:[^"\\]|\\.)*")\])?$')
ADDRESS_FORMAT = ("<provider>_<kind>.<name>, e.g. dataiku_project.sales (name: letters, digits, _ and -), "
                  'or an instance of a for_each block: dataiku_project.teams["sales"]')


class Address:
    """A resource's address. Immutable, hashable, ordered by (type, name, key).

    A slotted class with its hash computed once: addresses key every map of a run (hundreds of
    thousands of lookups), and each comparison is two string comparisons, no tuple built."""

    __slots__ = ("type", "name", "key", "provider", "_hash")
    type: str
    name: str
    #: the instance key of a ``for_each`` block's instance; None for a plain block
    key: str | None
    #: the provider part of the type: ``dataiku`` for ``dataiku_project``
    provider: str

    def __init__(self, type: str, name: str, key: str | None = None) -> None:  # noqa: A002 - the field is called type
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "key", key)
        object.__setattr__(self, "provider", type.split("_", 1)[0])
        object.__setattr__(self, "_hash", hash((type, name)) if key is None else hash((type, name, key)))

    def __setattr__(self, key: str, value: object) -> None:
        raise AttributeError(f"Address is immutable: cannot set {key}")

    def __delattr__(self, key: str) -> None:
        raise AttributeError(f"Address is immutable: cannot delete {key}")

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return self is other or (self.name == other.name and self.type == other.type  # type: ignore[attr-defined]
                                 and self.key == other.key)  # type: ignore[attr-defined]

    def __ne__(self, other: object) -> bool:
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    def __lt__(self, other: "Address") -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return self.sort_key() < other.sort_key()

    def __le__(self, other: "Address") -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return self.sort_key() <= other.sort_key()

    def __gt__(self, other: "Address") -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return self.sort_key() > other.sort_key()

    def __ge__(self, other: "Address") -> bool:
        if other.__class__ is not Address:
            return NotImplemented
        return self.sort_key() >= other.sort_key()

    def sort_key(self) -> tuple[str, str] | tuple[str, str, str]:
        """What addresses sort by (as ``sorted(key=Address.sort_key)``: cheaper than comparing pairs)."""
        return (self.type, self.name) if self.key is None else (self.type, self.name, self.key)

    def __repr__(self) -> str:
        key = "" if self.key is None else f", key={self.key!r}"
        return f"Address(type={self.type!r}, name={self.name!r}{key})"

    def __reduce__(self) -> tuple:
        return (Address, (self.type, self.name, self.key))  # the hash is computed again in another process

    @property
    def block(self) -> "Address":
        """The address of the block this is an instance of (itself for a plain block)."""
        return self if self.key is None else Address(self.type, self.name)

    def instance(self, key: str) -> "Address":
        """The address of this block's instance ``key``."""
        return Address(self.type, self.name, key)

    @classmethod
    def parse(cls, text: str) -> "Address":
        """Parse ``type.name``; raise ``ValueError`` naming the allowed form when malformed.
        The same text gives the same object (state, specs and references name each address
        thousands of times: a map lookup then matches it by identity, without ``__eq__``)."""
        found = _PARSED.get(text) if isinstance(text, str) else None
        if found is not None:
            return found
        match = INSTANCE_RE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{text!r} is not a resource address; expected {ADDRESS_FORMAT}")
        key = None
        if match["key"] is not None:
            try:
                key = json.loads(match["key"])
            except ValueError:
                raise ValueError(f"{text!r}: the instance key is not a valid quoted string; expected "
                                 f"{ADDRESS_FORMAT}") from None
        if len(_PARSED) >= _PARSED_MAX:  # a long-lived host parsing without end: start again
            _PARSED.clear()
        address = _PARSED[text] = cls(match["type"], match["name"], key)
        return address

    @property
    def kind(self) -> str:
        """The kind part of the type: ``project`` for ``dataiku_project``."""
        return self.type.split("_", 1)[1]

    def __str__(self) -> str:
        if self.key is None:
            return f"{self.type}.{self.name}"
        return f"{self.type}.{self.name}[{json.dumps(self.key, ensure_ascii=False)}]"

    def to_json(self) -> str:
        return str(self)

    @classmethod
    def from_json(cls, data: str) -> "Address":
        return cls.parse(data)


#: text -> the address parsed from it (see ``Address.parse``); addresses are immutable
_PARSED: dict[str, Address] = {}
_PARSED_MAX = 200_000
