; patchpoint_anyregcc.ll -- written for stackmap-construct's fixture corpus.
;
; llvm.experimental.patchpoint.i64/.void with the anyregcc calling convention.
; With anyregcc the record lists the return value's register (for .i64) and
; every call argument (each in whatever register llc picked), then the live
; values; and llc's stackmap liveness pass records the registers live across
; the patchpoint as live-outs.  Values computed before and used after a
; patchpoint stay in registers, which then appear as live-outs; the number of
; such values differs between records to get both odd and even live-out
; counts.  The target is null (pure nop shadow) so no call sequence is needed.
; llc 14 accepts anyregcc patchpoints on all five targets of the corpus
; (x86_64, aarch64, powerpc64, powerpc64le, s390x).

declare void @llvm.experimental.patchpoint.void(i64, i32, i8*, i32, ...)
declare i64 @llvm.experimental.patchpoint.i64(i64, i32, i8*, i32, ...)

define i64 @anyreg_i64(i64 %a, i64 %b, i64 %c, i64 %d) {
entry:
  %x = mul i64 %a, %b
  %y = mul i64 %c, %d
  %z = xor i64 %a, %d
  ; i64 result, 2 anyreg args, 1 live value (4 locations)
  %r = call anyregcc i64 (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.i64(i64 1000, i32 16, i8* null, i32 2, i64 %a, i64 %b, i64 %c)
  %u = add i64 %r, %x
  %v = add i64 %u, %y
  %w = add i64 %v, %z
  ; i64 result, 1 anyreg arg (2 locations); fewer values live after it
  %s = call anyregcc i64 (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.i64(i64 1001, i32 16, i8* null, i32 1, i64 %w)
  %t = add i64 %s, %w
  ret i64 %t
}

define i64 @anyreg_void(i64 %a, i64 %b, i64 %c) {
entry:
  %x = add i64 %a, 1
  %y = add i64 %b, 2
  %z = add i64 %c, 3
  ; void, 3 anyreg args, 2 live values (5 locations), x/y/z live across
  call anyregcc void (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.void(i64 1010, i32 16, i8* null, i32 3, i64 %x, i64 %y, i64 %z, i64 %a, i64 12345678901234)
  %s1 = mul i64 %x, %y
  %s2 = mul i64 %s1, %z
  ; void, no args, no live values; only s2 live across
  call anyregcc void (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.void(i64 1011, i32 16, i8* null, i32 0)
  ret i64 %s2
}
