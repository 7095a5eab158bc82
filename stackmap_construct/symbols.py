"""Which function each StkSizeRecord describes.

A function record's address is a 64-bit field at blob offset 16 + 24·i.  In
object files it holds 0 (or an in-place addend) and a relocation names the
target; in linked images it holds the address (in shared objects 0, with a
dynamic relocation).  This module combines the container's relocations and
symbols with the parsed stackmap; it reads no bytes of its own.
"""

from __future__ import annotations

from bisect import bisect_right

from .containers.base import Container, Relocation, Section
from .frozen import Frozen, _fill
from .format.v3 import FUNCTION_SIZE, HEADER_SIZE
from .model import StackMap

# Relocation types whose target is "load base + addend" (no symbol).
_RELATIVE = ("RELATIVE",)


class FunctionTarget(Frozen):
    """What a function record points at.  (Frozen, as a frozen dataclass
    but without code generated at import: see stackmap_construct/frozen.py.)"""

    __slots__ = ("symbol", "address", "descriptor", "section", "offset")
    symbol: str | None  #: the function's name (platform prefix removed), None when unknown
    #: the address of its code when the container fixes one (linked images):
    #: the records' call sites are this plus their instruction offsets
    address: int | None
    #: ppc64 ELFv1: the address of the function descriptor (in ``.opd``) that
    #: the stackmap's function record holds; ``address`` is then the code
    #: entry read from that descriptor.  None elsewhere.
    descriptor: int | None
    #: In a relocatable object, where the relocation points: the section's
    #: name and the offset in it (symbol value + addend); None elsewhere or
    #: when the target is not defined in the object.
    section: str | None
    offset: int | None

    def __init__(self, symbol: str | None, address: int | None, descriptor: int | None = None,
                 section: str | None = None, offset: int | None = None):
        _fill(self, symbol, address, descriptor, section, offset)


class _SymbolIndex:
    def __init__(self, container: Container):
        self.prefix = container.symbol_prefix
        self.by_section: dict[tuple[str | None, int], str] = {}
        self.defined: dict[str, tuple[str, int]] = {}  # name -> (section, value), objects
        spans = []
        for s in container.symbols:
            self.by_section.setdefault((s.section, s.value), s.name)
            if s.section is not None:
                self.defined.setdefault(s.name, (s.section, s.value))
            spans.append((s.value, s.size, s.name))
        spans.sort()
        self.starts = [v for v, _, _ in spans]
        self.spans = spans

    def clean(self, name: str | None) -> str | None:
        if name and self.prefix and name.startswith(self.prefix):
            return name[len(self.prefix):]
        return name

    def in_section(self, section: str | None, offset: int) -> str | None:
        return self.clean(self.by_section.get((section, offset)))

    def at_address(self, address: int) -> str | None:
        """The function symbol at ``address`` (exact, or containing it)."""
        i = bisect_right(self.starts, address) - 1
        if i >= 0:
            value, size, name = self.spans[i]
            if value == address or value < address < value + size:
                return self.clean(name)
        return None


def _with_addend(name: str | None, addend: int) -> str | None:
    if name is None or addend == 0:
        return name
    return f"{name}+0x{addend:x}" if addend > 0 else f"{name}-0x{-addend:x}"


def resolve_functions(container: Container, section: Section, stackmap: StackMap,
                      blob_offset: int = 0) -> list[FunctionTarget]:
    """One FunctionTarget per function record of ``stackmap``, a blob that
    starts ``blob_offset`` bytes into ``section``."""
    index = _SymbolIndex(container)
    relocs: dict[int, Relocation] = {r.offset: r for r in section.relocations}
    out = []
    for i, fn in enumerate(stackmap.functions):
        field = blob_offset + HEADER_SIZE + FUNCTION_SIZE * i
        target = _resolve(container, index, relocs.get(field), fn.address)
        entry = container.code_entries.get(target.address) if target.address is not None else None
        if entry is not None:
            target = target._replace(address=entry, descriptor=target.address)
        out.append(target)
    return out


def _resolve(container: Container, index: _SymbolIndex, reloc: Relocation | None, value: int) -> FunctionTarget:
    linked = container.linked
    if reloc is None:
        if linked and value:
            return FunctionTarget(index.at_address(value), value)
        # A raw blob has no relocations: a non-zero field is the address
        # (blobs dumped from memory); zero means it was taken from an object.
        final = linked or (container.format == "raw" and value != 0)
        return FunctionTarget(None, value if final else None)
    addend = reloc.addend if reloc.addend is not None else value
    if any(reloc.type.endswith(t) for t in _RELATIVE) and reloc.symbol is None:
        # Load-time "base + addend": the addend is the link-time address.
        return FunctionTarget(index.at_address(addend), addend)
    if reloc.section_symbol:
        # Internal function: section symbol + offset of the function in it.
        if linked:
            return FunctionTarget(index.at_address(addend) or _with_addend(reloc.symbol, addend), addend)
        name = index.in_section(reloc.symbol, addend)
        return FunctionTarget(name or _with_addend(reloc.symbol, addend), None, section=reloc.symbol, offset=addend)
    name = index.clean(reloc.symbol)
    if linked:
        # A symbolic dynamic relocation: the address is the symbol's, when
        # this image defines it.
        defined = next((s for s in container.symbols if s.name == reloc.symbol and s.value), None)
        address = defined.value + addend if defined else (value or None)
        return FunctionTarget(_with_addend(name, addend), address)
    place = index.defined.get(reloc.symbol) if reloc.symbol is not None else None
    if place is None:
        return FunctionTarget(_with_addend(name, addend), None)
    return FunctionTarget(_with_addend(name, addend), None, section=place[0], offset=place[1] + addend)

