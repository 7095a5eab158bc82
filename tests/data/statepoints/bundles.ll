; Statepoints with known bundles, for tests/test_statepoints.py (LLVM 14:
; typed pointers, elementtype(...) on the callee, gc "statepoint-example").
; What the IR fixes, and the tests assert: ids 100, 101, 102; calling
; convention 0 (C) and flags 0; N = 0, 2, 3 deopt locations with the
; constants 7, -1 and 123456789012 (a pool constant) in those places; 0, 1
; and 2 (base, derived) pairs, each pointer relocated as itself.
declare void @callee()
declare token @llvm.experimental.gc.statepoint.p0f_isVoidf(i64, i32, void ()*, i32, i32, ...)
declare i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token, i32, i32)

define void @no_bundles() gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, void ()*, i32, i32, ...) @llvm.experimental.gc.statepoint.p0f_isVoidf(i64 100, i32 0, void ()* elementtype(void ()) @callee, i32 0, i32 0, i32 0, i32 0)
  ret void
}

define i8 addrspace(1)* @one_pointer(i8 addrspace(1)* %p, i64 %x) gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, void ()*, i32, i32, ...) @llvm.experimental.gc.statepoint.p0f_isVoidf(i64 101, i32 0, void ()* elementtype(void ()) @callee, i32 0, i32 0, i32 0, i32 0) [ "deopt"(i32 7, i64 %x), "gc-live"(i8 addrspace(1)* %p) ]
  %p.rel = call i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token %tok, i32 0, i32 0)
  ret i8 addrspace(1)* %p.rel
}

define i8 addrspace(1)* @two_pointers(i8 addrspace(1)* %p, i8 addrspace(1)* %q, i64 %x) gc "statepoint-example" {
entry:
  %tok = call token (i64, i32, void ()*, i32, i32, ...) @llvm.experimental.gc.statepoint.p0f_isVoidf(i64 102, i32 0, void ()* elementtype(void ()) @callee, i32 0, i32 0, i32 0, i32 0) [ "deopt"(i32 -1, i64 %x, i64 123456789012), "gc-live"(i8 addrspace(1)* %p, i8 addrspace(1)* %q) ]
  %p.rel = call i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token %tok, i32 0, i32 0)
  %q.rel = call i8 addrspace(1)* @llvm.experimental.gc.relocate.p1i8(token %tok, i32 1, i32 1)
  %d = getelementptr i8, i8 addrspace(1)* %p.rel, i64 8
  ret i8 addrspace(1)* %q.rel
}
