"""LLVM IR whose compilation yields stackmaps of a planned shape: the seeded plan says which call sites there are, which
intrinsic each uses and which operand kinds it has; :func:`write_ir` turns
the plan into IR and :meth:`ModulePlan.expected` says what ``llc`` must put
into ``.llvm_stackmaps`` for it.  The IR is written for the LLVM that will
compile it: typed pointers (``i8*``) for LLVM 14, opaque pointers (``ptr``)
from LLVM 15 on; what a target can compile depends on that version too
(:func:`llvm_target`).

How each location kind is obtained (checked against llc 14 and llc 22 on
every supported target by the tests):

* Constant: an ``i64`` immediate that fits in 32 signed bits.
* ConstantIndex: an ``i64`` immediate that does not (it goes to the pool).
* Direct: the address of an ``alloca``.
* Register: a value loaded (volatile) just before the call site.
* Indirect: a value loaded at function entry and live across a call to
  ``@clobber``, in a function where 32 other values ("hogs") stay live
  across every site and are used in a loop afterwards, so no register is
  left for it: llc spills it and folds the spill slot into the record.
  This holds with llc's "basic" register allocator, which spills whole
  live ranges (:mod:`.llc` uses it by default); "greedy" may reload the
  value into a register just for the call site.  Statepoint deopt values
  are always spilled, so there a "Register" operand is Indirect too.
  llc 22 follows the plan less strictly: its allocator may keep a planned
  spill in a register or reload a planned register from its slot, and on
  riscv64 it materializes 64-bit constants into registers; the record ids,
  location counts, constants and Direct locations still match the plan.

Sites are ``llvm.experimental.stackmap``, ``llvm.experimental.patchpoint.void``
(ccc, null target: records live-outs too) and ``gc.statepoint`` (deopt and
gc-live bundles; the record holds 3 leading constants, the deopt values and
a (base, derived) pair per relocated pointer).  llc 14 truncates a
statepoint's ID to 32 bits; llc 22 writes all 64 (versions in between are
taken to behave like 22: only 14 and 22 are checked here).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Iterable

from ..model import LocationKind
from ..errors import GenerateError
from .recipe import ALL_KINDS, I32_MAX, I32_MIN, U64_SPECIAL, Span, location_kinds, span
from .rng import Rng
from .seeded import RngSource

INTRINSICS = ("stackmap", "patchpoint", "statepoint")
HOGS = 32  # more values than any supported target has registers
PATCHPOINT_BYTES = 16  # nop shadow of a null-target patchpoint: fits every target's nop size
MAX_GC_POINTERS = 3

K = LocationKind


@dataclass(frozen=True)
class LlvmTarget:
    """What one LLVM's llc can compile for one architecture without crashing."""

    arch: str
    statepoints: bool  #: gc.statepoint lowers (x86_64, aarch64; riscv64 with LLVM 22)
    narrow_ints: bool  #: i8/i16 stackmap operands (LLVM 14: x86_64 only)
    floats_at_patchpoints: bool  #: doubles at patchpoints (floating-point live-outs crash llc on some targets)
    calls_after_patchpoints: bool  #: a call after a patchpoint in the same function (x86_64: crashes llc 14 and 22)
    floats: bool = True  #: floating-point operands at all (x86_64 MSVC: the section disappears)
    llvm: int = 14  #: the LLVM major version these facts are for


#: LLVM 14 (llc 14.0.6).
_TARGETS_14 = {
    "x86_64": LlvmTarget("x86_64", True, True, False, False),
    "aarch64": LlvmTarget("aarch64", True, False, True, True),
    "powerpc64": LlvmTarget("powerpc64", False, False, True, True),
    "powerpc64le": LlvmTarget("powerpc64le", False, False, True, True),
    "s390x": LlvmTarget("s390x", False, False, True, True),
}
#: LLVM 15 and later (checked with llc 22.1): narrow integers everywhere,
#: riscv64; floating-point live-outs at patchpoints still crash llc on
#: x86_64, aarch64 and riscv64 (StackMaps::createLiveOutReg /
#: parseRegisterLiveOutMask).
_TARGETS_MODERN = {
    "x86_64": LlvmTarget("x86_64", True, True, False, False),
    "aarch64": LlvmTarget("aarch64", True, True, False, True),
    "powerpc64": LlvmTarget("powerpc64", False, True, True, True),
    "powerpc64le": LlvmTarget("powerpc64le", False, True, True, True),
    "s390x": LlvmTarget("s390x", False, True, True, True),
    "riscv64": LlvmTarget("riscv64", False, True, False, True),
}
_ALIASES = {"arm64": "aarch64", "amd64": "x86_64", "ppc64": "powerpc64", "ppc64le": "powerpc64le", "systemz": "s390x"}
_CRASHES_14 = {"riscv64": "llc 14 crashes on any stackmap for riscv64 (use LLVM 15 or later, e.g. --llc /usr/lib/llvm-22/bin/llc)"}
#: The first LLVM with which gc.statepoint lowers for riscv64 here.
RISCV_STATEPOINTS = 22

#: Triples checked here with llc 14 and llc 22 (every one is exercised by the tests).
TESTED_TRIPLES = (
    "x86_64-linux-gnu", "aarch64-linux-gnu", "powerpc64-unknown-linux-gnu", "powerpc64le-unknown-linux-gnu",
    "s390x-linux-gnu", "x86_64-apple-macosx", "arm64-apple-macosx", "x86_64-pc-windows-msvc",
)
#: Triples that need LLVM 15 or later (checked with llc 22).
MODERN_TRIPLES = ("riscv64-linux-gnu",)


def llvm_target(triple: str, llvm: int = 14) -> LlvmTarget:
    """The capabilities of ``triple``'s architecture with LLVM ``llvm`` (major
    version), or a GenerateError naming why it cannot be used."""
    arch = triple.split("-", 1)[0].lower()
    arch = _ALIASES.get(arch, arch)
    if llvm < 15 and arch in _CRASHES_14:
        raise GenerateError(f"triple {triple}: {_CRASHES_14[arch]}")
    targets = _TARGETS_14 if llvm < 15 else _TARGETS_MODERN
    if arch not in targets:
        known = ", ".join(sorted(targets))
        raise GenerateError(f"triple {triple}: no stackmap support known for architecture {arch!r} "
                            f"with LLVM {llvm} (known: {known})")
    target = replace(targets[arch], llvm=llvm)
    if arch == "riscv64" and llvm >= RISCV_STATEPOINTS:
        target = replace(target, statepoints=True)
    lowered = triple.lower()
    if arch == "x86_64" and ("windows" in lowered or "win32" in lowered) and "gnu" not in lowered:
        # x86_64 MSVC: llc emits no .llvm_stackmaps section at all for a
        # module that uses floating point (it needs _fltused).
        target = replace(target, floats=False)
    return target


@dataclass(frozen=True)
class Operand:
    """One stackmap operand (or statepoint deopt value)."""

    kind: LocationKind  #: the location kind it is written to produce
    type: str  #: IR type, e.g. "i64", "double", "[2 x i64]*"
    value: str  #: IR value: "%r3", an immediate
    constant: int | None = None  #: Constant / ConstantIndex: the number


@dataclass(frozen=True)
class Site:
    """One call site, which becomes one record."""

    intrinsic: str  #: "stackmap", "patchpoint" or "statepoint"
    patchpoint_id: int
    operands: tuple[Operand, ...]
    gc_pointers: int = 0  #: statepoint: relocated pointers, each a (base, derived) pair
    clobber: bool = False  #: preceded by a call to @clobber (Indirect operands: no register survives it)

    @property
    def record_id(self) -> int:
        """The ID llc 14 writes: statepoint IDs are truncated to 32 bits."""
        return self.patchpoint_id & 0xFFFFFFFF if self.intrinsic == "statepoint" else self.patchpoint_id

    def record_id_for(self, llvm: int) -> int:
        """The ID the llc of LLVM ``llvm`` writes."""
        return self.record_id if llvm < 15 else self.patchpoint_id


@dataclass(frozen=True)
class ExpectedLocation:
    kind: LocationKind
    constant: int | None = None  #: Constant: the signed 32-bit value; ConstantIndex: the pool value (u64)


@dataclass(frozen=True)
class ExpectedRecord:
    patchpoint_id: int
    locations: tuple[ExpectedLocation, ...]


@dataclass
class FunctionPlan:
    name: str
    sites: list[Site] = field(default_factory=list)

    @property
    def spills(self) -> bool:
        """Has Indirect operands outside statepoints (then it needs the hogs)."""
        return any(o.kind == K.Indirect for s in self.sites if s.intrinsic != "statepoint" for o in s.operands)

    @property
    def statepoints(self) -> bool:
        return any(s.intrinsic == "statepoint" for s in self.sites)


@dataclass
class ModulePlan:
    triple: str
    seed: int
    functions: list[FunctionPlan]
    llvm: int = 14  #: the LLVM major version it is written for

    def expected(self) -> list[ExpectedRecord]:
        """The records llc must emit, in order."""
        return [ExpectedRecord(s.record_id_for(self.llvm), tuple(_expected_locations(s))) for f in self.functions for s in f.sites]

    def expected_record_counts(self) -> list[int]:
        """Record count of each function entry (functions without sites get none)."""
        return [len(f.sites) for f in self.functions if f.sites]


def _expected_locations(site: Site) -> Iterable[ExpectedLocation]:
    if site.intrinsic == "statepoint":
        # calling convention, flags, number of deopt values
        yield from (ExpectedLocation(K.Constant, v) for v in (0, 0, len(site.operands)))
    for op in site.operands:
        kind = op.kind
        if site.intrinsic == "statepoint" and kind == K.Register:
            kind = K.Indirect  # deopt values are spilled
        value = op.constant
        if kind == K.ConstantIndex and value is not None:
            value &= 0xFFFF_FFFF_FFFF_FFFF  # the pool holds u64
        yield ExpectedLocation(kind, value)
    yield from (ExpectedLocation(K.Indirect) for _ in range(2 * site.gc_pointers))


# -- the plan ---------------------------------------------------------------

def _operand(rng: RngSource, kind: LocationKind, target: LlvmTarget, intrinsic: str, n: int) -> Operand:
    if kind == K.Constant:
        value = rng.integer(I32_MIN, I32_MAX, (0, 1, -1, I32_MIN, I32_MAX))
        return Operand(kind, "i64", str(value), value)
    if kind == K.ConstantIndex:
        # Outside the signed 32-bit range, either side.
        value = rng.choice([rng.integer(I32_MAX + 1, 2**63 - 1, (2**31, 2**32, 2**63 - 1)),
                            rng.integer(-(2**63), I32_MIN - 1, (-(2**63), I32_MIN - 1))])
        return Operand(kind, "i64", str(value), value)
    if kind == K.Direct:
        return Operand(kind, f"[{rng.integer(1, 4)} x i64]*", f"%slot{n}")
    if kind == K.Indirect:
        return Operand(kind, "i64", f"%spill{n}")
    types = ["i64", "i32"]
    if target.narrow_ints:
        types += ["i16", "i8"]
    if target.floats and (intrinsic != "patchpoint" or target.floats_at_patchpoints):
        types.append("double")
    return Operand(kind, rng.choice(types), f"%reg{n}")


def plan_module(
    seed: int,
    triple: str,
    *,
    functions: int = 1,
    records: int = 4,
    locations: Span = (0, 8),
    kinds: Iterable = ALL_KINDS,
    intrinsics: Iterable[str] | None = None,
    llvm: int = 14,
) -> ModulePlan:
    """The call sites of a module for ``triple``, determined by ``seed``:
    ``records`` sites in total dealt to ``functions`` functions, each with
    ``locations`` operands (statepoints: deopt values) of ``kinds``, for
    the llc of LLVM major version ``llvm``."""
    target = llvm_target(triple, llvm)
    kinds = location_kinds(kinds)
    loc_lo, loc_hi = span(locations, "locations")
    if records and not functions:
        raise GenerateError("records need at least one function")
    allowed = list(INTRINSICS if intrinsics is None else intrinsics)
    for name in allowed:
        if name not in INTRINSICS:
            raise GenerateError(f"unknown intrinsic {name!r} (expected {', '.join(INTRINSICS)})")
    if not target.statepoints:
        if intrinsics is not None and "statepoint" in allowed:
            raise GenerateError(f"llc {llvm} cannot emit gc.statepoint records for {triple}")
        allowed = [a for a in allowed if a != "statepoint"]
    if not allowed:
        raise GenerateError("no intrinsic left to use")

    rng = RngSource(Rng(seed))
    plans = [FunctionPlan(f"f{i}") for i in range(functions)]
    ids: set[int] = set()
    counter = 0
    for i in range(records):
        fn = plans[i * functions // records]  # consecutive runs, as even as can be
        after_patchpoint = any(s.intrinsic == "patchpoint" for s in fn.sites)
        calls_allowed = target.calls_after_patchpoints or not after_patchpoint
        intrinsic = rng.choice([a for a in allowed if a != "statepoint" or calls_allowed] or allowed)
        while True:
            pid = rng.integer(0, 2**64 - 1, U64_SPECIAL)
            key = pid & 0xFFFFFFFF if intrinsic == "statepoint" else pid
            if key not in ids:
                ids.add(key)
                break
        operands = []
        for _ in range(rng.integer(loc_lo, loc_hi, (loc_lo, loc_hi))):
            operands.append(_operand(rng, rng.choice(kinds), target, intrinsic, counter))
            counter += 1
        gc = rng.integer(0, MAX_GC_POINTERS) if intrinsic == "statepoint" else 0
        # The hogs alone exhaust x86_64's registers; elsewhere the call is needed too.
        clobber = intrinsic != "statepoint" and calls_allowed and any(o.kind == K.Indirect for o in operands)
        fn.sites.append(Site(intrinsic, pid, tuple(operands), gc, clobber))
    return ModulePlan(triple, seed, plans, llvm)


# -- the IR -----------------------------------------------------------------

class _Pointers:
    """Spelling of pointer types: LLVM 14's typed pointers, or ``ptr``."""

    def __init__(self, opaque: bool):
        self.opaque = opaque

    def to(self, pointee: str, addrspace: int = 0) -> str:
        space = f" addrspace({addrspace})" if addrspace else ""
        return f"ptr{space}" if self.opaque else f"{pointee}{space}*"

    def operand_type(self, op: Operand) -> str:
        """The IR type of an operand as passed to the intrinsic."""
        return self.to(op.type[:-1]) if op.type.endswith("*") else op.type

    def declarations(self) -> str:
        i8p, gcp, fnp = self.to("i8"), self.to("i8", 1), self.to("void ()")
        sp = "p0" if self.opaque else "p0f_isVoidf"
        rel = "p1" if self.opaque else "p1i8"
        return (
            "declare void @llvm.experimental.stackmap(i64, i32, ...)\n"
            f"declare void @llvm.experimental.patchpoint.void(i64, i32, {i8p}, i32, ...)\n"
            f"declare token @llvm.experimental.gc.statepoint.{sp}(i64, i32, {fnp}, i32, i32, ...)\n"
            f"declare {gcp} @llvm.experimental.gc.relocate.{rel}(token, i32, i32)\n"
            "declare void @clobber()\n"
            "declare void @safepoint()\n"
        )


def _signed64(value: int) -> int:
    return value - 2**64 if value >= 2**63 else value


def _function_ir(fn: FunctionPlan, p: _Pointers) -> list[str]:
    gcp = p.to("i8", 1)
    mem = p.to("i64")
    gc_args = "".join(f", {gcp} %gc{i}" for i in range(MAX_GC_POINTERS))
    attrs = ' gc "statepoint-example"' if fn.statepoints else ""
    out = [f"define void @{fn.name}({mem} %mem{gc_args}){attrs} {{", "entry:"]
    operands = [op for s in fn.sites for op in s.operands]
    if not p.opaque:
        for t in sorted({op.type for op in operands if op.kind == K.Register} - {"i64"}):
            out.append(f"  %mem.{t} = bitcast i64* %mem to {t}*")
    for op in operands:
        if op.kind == K.Direct:
            out.append(f"  {op.value} = alloca {op.type[:-1]}")
        elif op.kind == K.Indirect:
            out.append(f"  {op.value} = load volatile i64, {mem} %mem")
    if fn.spills:
        out += [f"  %hog{i} = load volatile i64, {mem} %mem" for i in range(HOGS)]
    sp = "p0" if p.opaque else "p0f_isVoidf"
    rel = "p1" if p.opaque else "p1i8"
    for n, site in enumerate(fn.sites):
        if site.clobber:
            out.append("  call void @clobber()")
        for op in site.operands:
            if op.kind == K.Register:
                pointer = "%mem" if op.type == "i64" or p.opaque else f"%mem.{op.type}"
                out.append(f"  {op.value} = load volatile {op.type}, {p.to(op.type)} {pointer}")
        args = ", ".join(f"{p.operand_type(op)} {op.value}" for op in site.operands)
        pid = _signed64(site.patchpoint_id)
        if site.intrinsic == "stackmap":
            out.append(f"  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 {pid}, i32 0{', ' + args if args else ''})")
        elif site.intrinsic == "patchpoint":
            i8p = p.to("i8")
            out.append(f"  call void (i64, i32, {i8p}, i32, ...) @llvm.experimental.patchpoint.void("
                       f"i64 {pid}, i32 {PATCHPOINT_BYTES}, {i8p} null, i32 0{', ' + args if args else ''})")
        else:
            fnp = p.to("void ()")
            live = ", ".join(f"{gcp} %gc{i}" for i in range(site.gc_pointers))
            out.append(f"  %tok{n} = call token (i64, i32, {fnp}, i32, i32, ...) "
                       f"@llvm.experimental.gc.statepoint.{sp}(i64 {pid}, i32 0, "
                       f"{fnp} elementtype(void ()) @safepoint, i32 0, i32 0, i32 0, i32 0) "
                       f"[ \"deopt\"({args}), \"gc-live\"({live}) ]")
            for i in range(site.gc_pointers):
                out.append(f"  %rel{n}.{i} = call {gcp} "
                           f"@llvm.experimental.gc.relocate.{rel}(token %tok{n}, i32 {i}, i32 {i})")
                out.append(f"  %use{n}.{i} = load volatile i8, {gcp} %rel{n}.{i}")
    if fn.spills:
        # Every hog stays live across every site, and is used in a loop
        # afterwards: loop uses weigh more, so the register allocator
        # spills the Indirect operands (used once) rather than the hogs.
        out += ["  br label %hogs", "hogs:", "  %trip = phi i64 [ 0, %entry ], [ %trip.next, %hogs ]"]
        acc = "%trip"
        for i in range(HOGS):
            out.append(f"  %sum{i} = xor i64 {acc}, %hog{i}")
            acc = f"%sum{i}"
        out += [f"  store volatile i64 {acc}, {mem} %mem", "  %trip.next = add i64 %trip, 1",
                "  %again = icmp ult i64 %trip.next, 64", "  br i1 %again, label %hogs, label %done", "done:"]
    out += ["  ret void", "}"]
    return out


def write_ir(plan: ModulePlan, *, header: str = "") -> str:
    """The IR text of ``plan`` for its LLVM version: typed pointers for LLVM
    14, opaque ``ptr`` from 15 on (no target triple inside: llc gets it with
    ``-mtriple``)."""
    p = _Pointers(opaque=plan.llvm >= 15)
    lines = [f"; {line}" for line in header.splitlines()] if header else []
    lines.append(p.declarations())
    for fn in plan.functions:
        lines += _function_ir(fn, p)
        lines.append("")
    return "\n".join(lines)
