"""Resource addresses: ``<type>.<name>`` keys plans, state and the graph alike.

``type`` is ``<provider>_<kind>`` (``dataiku_project``); ``name`` is the user's label, unique per
type. An instance of a block with ``for_each`` also has a ``key``: ``dataiku_project.teams["sales"]``
(the key written as a JSON string; ``""`` for a plain block, which sorts before its instances).
A resource declared in a module instance carries the module path before it:
``module.team["sales"].dataiku_project.p`` (``module`` holds ``module.team["sales"]``; nested
modules chain: ``module.a.module.b["x"]``). Addresses order by (type, name, key, module) so that
state files and plans are stable.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_TYPE = r"[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]"
_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
ADDRESS_RE = re.compile(rf"^(?P<type>{_TYPE})\.(?P<name>{_NAME})$")
#: an address with an optional instance key: ``type.name["key"]``
_KEY = r'"(?:[^"\\]|\\.)*"'
#: one step of a module path: ``module.NAME`` or ``module.NAME["key"]``
MODULE_STEP = rf'module\.{_NAME}(?:\[{_KEY}\])?'
INSTANCE_RE = re.compile(rf'^(?P<module>(?:{MODULE_STEP}\.)*)(?P<type>{_TYPE})\.(?P<name>{_NAME})'
                         rf'(?:\[(?P<key>{_KEY})\])?$')
MODULE_STEP_RE = re.compile(rf'module\.(?P<name>{_NAME})(?:\[(?P<key>{_KEY})\])?')
ADDRESS_FORMAT = ("<provider>_<kind>.<name>, e.g. dataiku_project.sales (name: letters, digits, _ and -), "
                  'an instance of a for_each block: dataiku_project.teams["sales"], '
                  'either inside a module: module.team["sales"].dataiku_project.p')


@dataclass(frozen=True, order=True)
class Address:
    """A resource's address. Immutable, hashable, ordered by (type, name, key, module)."""

    type: str
    name: str
    #: the instance key of a ``for_each`` block's instance; ``""`` for a plain block
    key: str = ""
    #: the module instance path (``module.team["sales"]``); ``""`` at the root of the specs
    module: str = ""

    @property
    def provider(self) -> str:
        """The provider part of the type: ``dataiku`` for ``dataiku_project``."""
        return self.type.split("_", 1)[0]

    @property
    def block(self) -> "Address":
        """The address of the block this is an instance of (itself for a plain block)."""
        return Address(self.type, self.name, "", self.module) if self.key else self

    def instance(self, key: str) -> "Address":
        """The address of this block's instance ``key``."""
        return Address(self.type, self.name, key, self.module)

    def local(self) -> "Address":
        """This address without its module path (as written inside its module)."""
        return Address(self.type, self.name, self.key) if self.module else self

    @classmethod
    def parse(cls, text: str) -> "Address":
        """Parse ``type.name`` or ``type.name["key"]``; raise ``ValueError`` naming the allowed form
        when malformed."""
        match = INSTANCE_RE.match(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{text!r} is not a resource address; expected {ADDRESS_FORMAT}")
        module = match["module"].removesuffix(".")
        if module:
            module = module_path(module, text)
        if match["key"] is None:
            return cls(match["type"], match["name"], "", module)
        return cls(match["type"], match["name"], _key(match["key"], text), module)

    @property
    def kind(self) -> str:
        """The kind part of the type: ``project`` for ``dataiku_project``."""
        return self.type.split("_", 1)[1]

    def __str__(self) -> str:
        head = self.module + "." if self.module else ""
        if not self.key:
            return f"{head}{self.type}.{self.name}"
        return f"{head}{self.type}.{self.name}[{json.dumps(self.key, ensure_ascii=False)}]"

    def to_json(self) -> str:
        return str(self)

    @classmethod
    def from_json(cls, data: str) -> "Address":
        return cls.parse(data)


def _key(quoted: str, text: str) -> str:
    try:
        key = json.loads(quoted)
    except ValueError:
        raise ValueError(f"{text!r}: the instance key is not a valid quoted string; expected "
                         f"{ADDRESS_FORMAT}") from None
    if not key:
        raise ValueError(f"{text!r}: an instance key is not empty; expected {ADDRESS_FORMAT}")
    return key


def module_step(name: str, key: str = "") -> str:
    """``module.NAME`` or ``module.NAME["key"]`` (the key written as JSON)."""
    return f"module.{name}" + (f"[{json.dumps(key, ensure_ascii=False)}]" if key else "")


def module_path(text: str, whole: str | None = None) -> str:
    """``text`` (``module.a["x"].module.b``) in its normal form: each key re-written as JSON, so
    that one module instance has one spelling. Raises ``ValueError`` when malformed."""
    steps = []
    pos = 0
    while pos < len(text):
        match = MODULE_STEP_RE.match(text, pos)
        if not match:
            raise ValueError(f"{whole or text!r} is not a module path; expected module.NAME or module.NAME[\"key\"], "
                             "chained with dots")
        steps.append(module_step(match["name"], _key(match["key"], whole or text) if match["key"] else ""))
        pos = match.end()
        if pos < len(text):
            if text[pos] != ".":
                raise ValueError(f"{whole or text!r} is not a module path")
            pos += 1
    return ".".join(steps)
