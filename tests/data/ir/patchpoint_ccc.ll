; patchpoint_ccc.ll -- written for stackmap-construct's fixture corpus.
;
; llvm.experimental.patchpoint.void and .i64 with the C calling convention.
; A patchpoint's record lists only the operands after the call arguments
; (the "live values"); the call arguments are not recorded.  llc 14 also
; records live-outs for ccc patchpoints (registers live after the patchpoint:
; callee-saved registers holding values used later, the return-value
; register, the stack pointer).  Covers a null target (the shadow is all
; nops), a constant target address (llc emits a call sequence into the
; shadow), live values of several kinds (Register, Constant, ConstantIndex),
; and odd and even location counts.  40 patch bytes are enough for the call
; sequence on every target here.

declare void @llvm.experimental.patchpoint.void(i64, i32, i8*, i32, ...)
declare i64 @llvm.experimental.patchpoint.i64(i64, i32, i8*, i32, ...)

define i64 @ccc_patchpoints(i64 %a, i64 %b, i64 %c) {
entry:
  ; void, null target, no call args, no live values (0 locations)
  call void (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.void(i64 900, i32 16, i8* null, i32 0)
  ; void, null target, no call args, 3 live values
  call void (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.void(i64 901, i32 16, i8* null, i32 0, i64 %a, i64 %b, i64 -1)
  ; i64, constant target, 2 call args, 2 live values (register + pool constant)
  %r = call i64 (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.i64(i64 902, i32 40, i8* inttoptr (i64 244837814094590 to i8*), i32 2, i64 %a, i64 %b, i64 %c, i64 1234567890123)
  ; i64, constant target, 1 call arg, 1 live value
  %s = call i64 (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.i64(i64 903, i32 40, i8* inttoptr (i64 244837814094590 to i8*), i32 1, i64 %r, i64 %r)
  %t = add i64 %r, %s
  ret i64 %t
}

define void @ccc_patchpoint_void_target(i64 %a) {
entry:
  ; void, constant target, 1 call arg, 4 live values
  call void (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.void(i64 910, i32 40, i8* inttoptr (i64 244837814094590 to i8*), i32 1, i64 %a, i64 %a, i64 0, i64 9223372036854775807, i32 5)
  ret void
}
