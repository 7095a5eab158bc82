"""The VM context layout and module facts the value semantics depend on.

``VmctxLayout`` holds the byte offsets of the fields of wasmer's ``vm::Ctx``
(and of ``ImportedFunc``, ``LocalTable``, ``LocalGlobal``) that
``VmctxDeref`` paths walk through.  The defaults are wasmer's (2019
runtime-core) values on a 64-bit host: ``Ctx`` field k sits at ``k * 8``.
Another runtime can pass its own layout.

``ModuleInfo`` is the part of a module's description the semantics need:
how many of its globals and tables are imported (index < imported count ->
import ``index``, else local ``index - imported count``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from ..errors import SemanticsError
from .types import LocalOrImport, MachineValue, ValueSemantic

__all__ = ["ImportedFuncLayout", "VmctxLayout", "ModuleInfo", "WASMER_VMCTX_LAYOUT", "machine_value_for"]

#: ``usize::MAX`` on x86-64: the original's arithmetic is on ``usize`` and,
#: built with overflow checks, panics past it.
USIZE_MAX = 2**64 - 1

#: A wasm global or table index is a ``u32`` (``GlobalIndex::new(idx)`` is
#: ``idx as u32``).
_U32_MASK = 0xFFFF_FFFF


@dataclass(frozen=True)
class ImportedFuncLayout:
    """``vm::ImportedFunc``: one entry of ``Ctx.imported_funcs``."""

    size: int = 16  #: size of one entry
    func: int = 0  #: offset of the function pointer
    func_ctx: int = 8  #: offset of the function's context pointer


@dataclass(frozen=True)
class VmctxLayout:
    """Byte offsets of the ``vm::Ctx`` fields (defaults: wasmer, 64-bit)."""

    memories: int = 0
    tables: int = 8
    globals: int = 16
    imported_memories: int = 24
    imported_tables: int = 32
    imported_globals: int = 40
    imported_funcs: int = 48
    signatures: int = 56
    intrinsics: int = 64
    stack_lower_bound: int = 72
    memory_base: int = 80
    memory_bound: int = 88
    internals: int = 96
    interrupt_signal_mem: int = 104
    local_functions: int = 112
    imported_func: ImportedFuncLayout = field(default_factory=ImportedFuncLayout)
    #: Size of one entry of the ``globals`` / ``tables`` (and imported)
    #: arrays, which hold pointers.
    pointer_size: int = 8
    #: ``LocalGlobal.data`` (the value of a global).
    local_global_data: int = 0
    #: ``LocalTable.base`` and ``LocalTable.count``.
    local_table_base: int = 0
    local_table_count: int = 8
    #: Size of one entry of ``Ctx.signatures`` (a ``SigId``, u32).
    sig_id_size: int = 4
    #: If set, ``ImportedFuncCtx`` follows the context pointer once more, to
    #: this offset (a later wasmer variant read ``FuncCtx.vmctx`` this way).
    #: The seed does not: None.
    func_ctx_vmctx: Optional[int] = None


#: wasmer's 64-bit layout (the default everywhere).
WASMER_VMCTX_LAYOUT = VmctxLayout()


@dataclass(frozen=True)
class ModuleInfo:
    """How many globals and tables the module imports."""

    imported_globals: int = 0
    imported_tables: int = 0

    def global_index(self, index: int) -> LocalOrImport:
        """``GlobalIndex::new(index).local_or_import(info)``: the index is
        first cut to a u32 (``index as u32``: 2**32 + 1 is global 1), as the
        original does."""
        return _local_or_import(index, self.imported_globals)

    def table_index(self, index: int) -> LocalOrImport:
        """``TableIndex::new(index).local_or_import(info)`` (index cut to a u32)."""
        return _local_or_import(index, self.imported_tables)


def _local_or_import(index: int, imported: int) -> LocalOrImport:
    index &= _U32_MASK  # `idx as u32`: wraps, as the original does
    if index < imported:
        return LocalOrImport.Import(index)
    return LocalOrImport.Local(index - imported)


def _checked(value: int, rule: str, what: str, path: str) -> int:
    """``value`` if it fits a usize, else the original's overflow panic as
    a SemanticsError."""
    if value > USIZE_MAX:
        raise SemanticsError(f"{what} = {value} overflows usize (2**64 - 1)", rule=rule, path=path)
    return value


def _deref_global(layout: VmctxLayout, info: ModuleInfo, index: int, into_value: bool, what: str, path: str) -> tuple:
    where = info.global_index(index)
    base = layout.imported_globals if isinstance(where, LocalOrImport.Import) else layout.globals
    offset = _checked(where.index * layout.pointer_size, "global-offset-overflow",
                      f"{what}global entry offset {where.index} * {layout.pointer_size}", path)
    deref = (base, offset, 0)
    return deref + (layout.local_global_data,) if into_value else deref


def _deref_table(layout: VmctxLayout, info: ModuleInfo, index: int, field_offset: int) -> tuple:
    where = info.table_index(index)
    base = layout.imported_tables if isinstance(where, LocalOrImport.Import) else layout.tables
    return (base, where.index * layout.pointer_size, field_offset)


def machine_value_for(
    semantic: ValueSemantic,
    info: ModuleInfo,
    layout: VmctxLayout = WASMER_VMCTX_LAYOUT,
    *,
    what: str = "",
    path: str = "",
) -> MachineValue:
    """The machine value a stackmap operand with this meaning holds (the
    seed's mapping, including its quirks: the table variants always use
    table 0; ``PointerTo*`` stop at the address, the others load it; a
    global index is cut to a u32).

    An offset past ``usize::MAX`` (``16 * n`` for ``ImportedFuncPointer(n)``
    / ``ImportedFuncCtx(n)``, ``4 * n`` for ``DynamicSigindice(n)``) is a
    panic of the original: :class:`SemanticsError` with rule
    ``imported-func-overflow`` / ``sigindice-overflow``.  ``what`` and
    ``path`` only label that error.
    """
    V, M = ValueSemantic, MachineValue
    if what:
        what += ": "
    deref = M.VmctxDeref
    imp = layout.imported_func
    if isinstance(semantic, V.WasmLocal):
        return M.WasmLocal(semantic.index)
    if isinstance(semantic, V.WasmStack):
        return M.WasmStack(semantic.index)
    if semantic == V.Ctx:
        return M.Vmctx
    if semantic == V.SignalMem:
        return deref((layout.interrupt_signal_mem, 0))
    if semantic == V.PointerToMemoryBase:
        return deref((layout.memory_base,))
    if semantic == V.PointerToMemoryBound:
        return deref((layout.memory_bound,))
    if semantic == V.MemoryBase:
        return deref((layout.memory_base, 0))
    if semantic == V.MemoryBound:
        return deref((layout.memory_bound, 0))
    if isinstance(semantic, V.PointerToGlobal):
        return deref(_deref_global(layout, info, semantic.index, False, what, path))
    if isinstance(semantic, V.Global):
        return deref(_deref_global(layout, info, semantic.index, True, what, path))
    if semantic == V.PointerToTableBase:
        return deref(_deref_table(layout, info, 0, layout.local_table_base))
    if semantic == V.PointerToTableBound:
        return deref(_deref_table(layout, info, 0, layout.local_table_count))
    if isinstance(semantic, (V.ImportedFuncPointer, V.ImportedFuncCtx)):
        # ImportedFunc::size() * idx + offset, both steps checked.
        field = imp.func if isinstance(semantic, V.ImportedFuncPointer) else imp.func_ctx
        n = semantic.index
        entry = _checked(imp.size * n, "imported-func-overflow",
                         f"{what}{semantic.variant}({n}): ImportedFunc offset {imp.size} * {n}", path)
        offset = _checked(entry + field, "imported-func-overflow",
                          f"{what}{semantic.variant}({n}): ImportedFunc offset {entry} + {field}", path)
        deref_path: tuple = (layout.imported_funcs, offset)
        if isinstance(semantic, V.ImportedFuncCtx) and layout.func_ctx_vmctx is not None:
            deref_path += (layout.func_ctx_vmctx,)
        return deref(deref_path + (0,))
    if isinstance(semantic, V.DynamicSigindice):
        n = semantic.index
        offset = _checked(n * layout.sig_id_size, "sigindice-overflow",
                          f"{what}DynamicSigindice({n}): signature offset {n} * {layout.sig_id_size}", path)
        return deref((layout.signatures, offset, 0))
    raise TypeError(f"not a ValueSemantic: {semantic!r}")
