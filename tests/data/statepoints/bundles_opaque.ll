; The same statepoints as bundles.ll for LLVM >= 15 (opaque pointers), which
; the tests compile with llc 22 for riscv64 (llc 14 cannot make riscv64
; stackmaps).
declare void @callee()
declare token @llvm.experimental.gc.statepoint.p0(i64, i32, ptr, i32, i32, ...)
declare ptr addrspace(1) @llvm.experimental.gc.relocate.p1(token, i32, i32)

define void @no_bundles() gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, ptr, i32, i32, ...) @llvm.experimental.gc.statepoint.p0(i64 100, i32 0, ptr elementtype(void ()) @callee, i32 0, i32 0, i32 0, i32 0)
  ret void
}

define ptr addrspace(1) @one_pointer(ptr addrspace(1) %p, i64 %x) gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, ptr, i32, i32, ...) @llvm.experimental.gc.statepoint.p0(i64 101, i32 0, ptr elementtype(void ()) @callee, i32 0, i32 0, i32 0, i32 0) [ "deopt"(i32 7, i64 %x), "gc-live"(ptr addrspace(1) %p) ]
  %p.rel = call ptr addrspace(1) @llvm.experimental.gc.relocate.p1(token %tok, i32 0, i32 0)
  ret ptr addrspace(1) %p.rel
}

define ptr addrspace(1) @two_pointers(ptr addrspace(1) %p, ptr addrspace(1) %q, i64 %x) gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, ptr, i32, i32, ...) @llvm.experimental.gc.statepoint.p0(i64 102, i32 0, ptr elementtype(void ()) @callee, i32 0, i32 0, i32 0, i32 0) [ "deopt"(i32 -1, i64 %x, i64 123456789012), "gc-live"(ptr addrspace(1) %p, ptr addrspace(1) %q) ]
  %p.rel = call ptr addrspace(1) @llvm.experimental.gc.relocate.p1(token %tok, i32 0, i32 0)
  %q.rel = call ptr addrspace(1) @llvm.experimental.gc.relocate.p1(token %tok, i32 1, i32 1)
  %d = getelementptr i8, ptr addrspace(1) %p.rel, i64 8
  ret ptr addrspace(1) %q.rel
}
