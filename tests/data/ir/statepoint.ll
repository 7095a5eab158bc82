; statepoint.ll -- written for stackmap-construct's fixture corpus.
;
; llvm.experimental.gc.statepoint with "gc-live" and "deopt" operand bundles
; (LLVM 14: typed pointers, elementtype(...) on the callee operand, and a
; gc "statepoint-example" function attribute).  A statepoint record's
; locations are: Constant calling convention, Constant flags, Constant number
; of deopt values N, the N deopt values, then a (base, derived) pair for each
; GC pointer that is relocated.  The deopt values here are a small constant,
; a pool constant, and live i32/i64 values; the GC pointers are spilled
; around the call (Indirect locations).  Three statepoints in two functions:
; one with deopt state and two GC pointers, one with no bundles at all, and
; one with a derived pointer (a pair whose base and derived differ).  llc 14 lowers statepoints
; only on x86_64 and aarch64 (it crashes on powerpc64(le) and s390x), so
; regenerate.sh skips the other targets.

declare void @safepoint()
declare i64 @compute(i64)
declare token @llvm.experimental.gc.statepoint.p0f_isVoidf(i64, i32, void ()*, i32, i32, ...)
declare token @llvm.experimental.gc.statepoint.p0f_i64i64f(i64, i32, i64 (i64)*, i32, i32, ...)
declare i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token, i32, i32)
declare i64 @llvm.experimental.gc.result.i64(token)

define i8 addrspace(1)* @with_deopt(i8 addrspace(1)* %obj, i8 addrspace(1)* %other, i32 %pc, i64 %local) gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, void ()*, i32, i32, ...) @llvm.experimental.gc.statepoint.p0f_isVoidf(i64 1200, i32 0, void ()* elementtype(void ()) @safepoint, i32 0, i32 0, i32 0, i32 0) [ "deopt"(i32 %pc, i64 %local, i32 -1, i64 1234567890123), "gc-live"(i8 addrspace(1)* %obj, i8 addrspace(1)* %other) ]
  %obj.rel = call coldcc i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token %tok, i32 0, i32 0)
  %other.rel = call coldcc i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token %tok, i32 1, i32 1)
  ; no bundles: the record has just the three leading constants
  %tok2 = call token (i64, i32, void ()*, i32, i32, ...) @llvm.experimental.gc.statepoint.p0f_isVoidf(i64 1201, i32 0, void ()* elementtype(void ()) @safepoint, i32 0, i32 0, i32 0, i32 0)
  %cmp = icmp ugt i8 addrspace(1)* %obj.rel, %other.rel
  %sel = select i1 %cmp, i8 addrspace(1)* %obj.rel, i8 addrspace(1)* %other.rel
  ret i8 addrspace(1)* %sel
}

; %derived is an interior pointer into %base's object, passed in from the
; caller; if it were a GEP of %base here, CodeGenPrepare would rebuild it from
; the relocated base and the (base, derived) pair would disappear.
define i64 @derived_pointer(i8 addrspace(1)* %base, i8 addrspace(1)* %derived, i64 %arg) gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, i64 (i64)*, i32, i32, ...) @llvm.experimental.gc.statepoint.p0f_i64i64f(i64 1210, i32 0, i64 (i64)* elementtype(i64 (i64)) @compute, i32 1, i32 0, i64 %arg, i32 0, i32 0) [ "deopt"(i64 %arg, i32 0), "gc-live"(i8 addrspace(1)* %base, i8 addrspace(1)* %derived) ]
  %res = call i64 @llvm.experimental.gc.result.i64(token %tok)
  %base.rel = call coldcc i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token %tok, i32 0, i32 0)
  %derived.rel = call coldcc i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token %tok, i32 0, i32 1)
  %b = load i8, i8 addrspace(1)* %base.rel
  %d = load i8, i8 addrspace(1)* %derived.rel
  %bz = zext i8 %b to i64
  %dz = zext i8 %d to i64
  %s = add i64 %bz, %dz
  %t = add i64 %s, %res
  ret i64 %t
}
