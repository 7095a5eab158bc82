; Two functions shaped like the code a wasm -> LLVM compiler emits, with the
; stackmap calls it would place (hand-written for tests/semantics).
;
; Every wasm local lives in an alloca (so it is a Direct location, rbp-based:
; "frame-pointer"="all"); local 1 of fn0 is a byval argument, i.e. a slot in
; the caller's frame (Direct rbp + 16).  Each critical point has a start
; stackmap (patchpoint id = registry entry index, even) and an end stackmap
; (the next id); the operands of a start call are, in order: the vmctx, the
; locals, the wasm stack values.
;
; fn0 = wasm function (param i32 i64) (local i32 i32 i64):
;   ids 0/1 function header, 2/(3 not emitted) loop header, 4/5 call,
;   6/7 trappable (udiv); ids 8/9 are in the registry but not emitted
;   (optimized out).
; fn1 = wasm function with no locals: ids 10/11 function header, 12/13 a
;   trappable point after a call, with seven i64 stack values live across
;   the call (some spill: Indirect) and the memory base; id 14 is the odd
;   last registry entry (emitted, but has no pair).

declare void @llvm.experimental.stackmap(i64, i32, ...)
declare i32 @callee(i8*, i32)
declare void @clobber()

define i32 @fn0(i8* %vmctx, i32 %p0, i64* byval(i64) %p1) "frame-pointer"="all" {
entry:
  %l0 = alloca i32
  %l2 = alloca i32
  %l3 = alloca i32
  %l4 = alloca i64
  store i32 %p0, i32* %l0
  store i32 0, i32* %l2
  store i32 0, i32* %l3
  store i64 0, i64* %l4
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 0, i32 0, i8* %vmctx, i32* %l0, i64* %p1, i32* %l2, i32* %l3, i64* %l4)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 1, i32 0)
  br label %loop
loop:
  %x = load volatile i32, i32* %l0
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 2, i32 0, i8* %vmctx, i32* %l0, i64* %p1, i32* %l2, i32* %l3, i64* %l4, i32 %x)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 4, i32 0, i8* %vmctx, i32* %l0, i64* %p1, i32* %l2, i32* %l3, i64* %l4, i32 7, i32 %x, i64 1099511627776)
  %r = call i32 @callee(i8* %vmctx, i32 %x)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 5, i32 0)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 6, i32 0, i8* %vmctx, i32* %l0, i64* %p1, i32* %l2, i32* %l3, i64* %l4, i32 %r, i32 %x)
  %q = udiv i32 %r, %x
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 7, i32 0)
  store volatile i32 %q, i32* %l2
  %c = icmp ne i32 %q, 0
  br i1 %c, label %loop, label %exit
exit:
  ret i32 %q
}

define i64 @fn1(i8* %vmctx) "frame-pointer"="all" {
entry:
  %mbp = getelementptr i8, i8* %vmctx, i64 80
  %mbpp = bitcast i8* %mbp to i8**
  %mb = load i8*, i8** %mbpp
  %pp = bitcast i8* %mb to i64*
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 10, i32 0, i8* %vmctx)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 11, i32 0)
  %v0 = load volatile i64, i64* %pp
  %v1 = load volatile i64, i64* %pp
  %v2 = load volatile i64, i64* %pp
  %v3 = load volatile i64, i64* %pp
  %v4 = load volatile i64, i64* %pp
  %v5 = load volatile i64, i64* %pp
  %v6 = load volatile i64, i64* %pp
  call void @clobber()
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 12, i32 0, i8* %vmctx, i8* %mb, i64 %v0, i64 %v1, i64 %v2, i64 %v3, i64 %v4, i64 %v5, i64 %v6)
  call void @clobber()
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 13, i32 0)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 14, i32 0, i8* %vmctx)
  %s0 = add i64 %v0, %v1
  %s1 = add i64 %s0, %v2
  %s2 = add i64 %s1, %v3
  %s3 = add i64 %s2, %v4
  %s4 = add i64 %s3, %v5
  %s5 = add i64 %s4, %v6
  ret i64 %s5
}
