; Modelled on LLVM's test/CodeGen/X86/statepoint-stackmap-format.ll (its CHECK
; lines spell out the locations): a derived pointer, a null GC pointer and
; deopt values; an explicit statepoint id; a byval argument as a deopt value.
declare zeroext i1 @ret_bool()
declare void @take(ptr)
declare token @llvm.experimental.gc.statepoint.p0(i64, i32, ptr, i32, i32, ...)
declare i1 @llvm.experimental.gc.result.i1(token)
declare ptr addrspace(1) @llvm.experimental.gc.relocate.p1(token, i32, i32)

define i1 @derived_and_null(ptr addrspace(1) %base, i32 %index) gc "statepoint-example" {
entry:
  %slot = alloca ptr addrspace(1), i32 2, align 8
  store ptr addrspace(1) null, ptr %slot
  %derived = getelementptr i32, ptr addrspace(1) %base, i32 %index
  %tok = tail call token (i64, i32, ptr, i32, i32, ...) @llvm.experimental.gc.statepoint.p0(i64 0, i32 0, ptr elementtype(i1 ()) @ret_bool, i32 0, i32 0, i32 0, i32 0) ["gc-live"(ptr addrspace(1) %base, ptr addrspace(1) %derived, ptr addrspace(1) null), "deopt"(ptr addrspace(1) %base, ptr addrspace(1) null)]
  %r = call zeroext i1 @llvm.experimental.gc.result.i1(token %tok)
  %a = call ptr addrspace(1) @llvm.experimental.gc.relocate.p1(token %tok, i32 0, i32 0)
  %b = call ptr addrspace(1) @llvm.experimental.gc.relocate.p1(token %tok, i32 0, i32 1)
  %c = call ptr addrspace(1) @llvm.experimental.gc.relocate.p1(token %tok, i32 2, i32 2)
  ret i1 %r
}

define i1 @explicit_id() gc "statepoint-example" {
entry:
  %tok = tail call token (i64, i32, ptr, i32, i32, ...) @llvm.experimental.gc.statepoint.p0(i64 237, i32 0, ptr elementtype(i1 ()) @ret_bool, i32 0, i32 0, i32 0, i32 0)
  %r = call zeroext i1 @llvm.experimental.gc.result.i1(token %tok)
  ret i1 %r
}

%triple = type { i64, i64, i64 }
define void @byval_deopt(ptr byval(%triple) %x) gc "statepoint-example" {
entry:
  br label %next
next:
  %tok = call token (i64, i32, ptr, i32, i32, ...) @llvm.experimental.gc.statepoint.p0(i64 0, i32 0, ptr elementtype(void (ptr)) @take, i32 1, i32 0, ptr %x, i32 0, i32 0) ["deopt"(ptr %x)]
  ret void
}
