; stackmap_narrow_ints.ll -- written for stackmap-construct's fixture corpus.
;
; Register locations of size 1 and 2: i8 and i16 stackmap operands, both as
; arguments and as truncations of wider values.  llc 14 only lowers these on
; x86_64; on aarch64, powerpc64(le) and s390x it segfaults in instruction
; selection (stackmap operands of a type needing promotion), so regenerate.sh
; builds this module for x86_64 only.  (An i1 operand crashes llc 14 even on
; x86_64, so there is none here.)

declare void @llvm.experimental.stackmap(i64, i32, ...)

define void @narrow(i8 %b, i16 %h, i32 %w, i64 %q) {
entry:
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 300, i32 0, i8 %b, i16 %h)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 301, i32 0, i8 %b, i16 %h, i32 %w, i64 %q, i8 %b)
  ret void
}

define void @truncated(i64 %x, i64 %y) {
entry:
  %t = trunc i64 %x to i8
  %u = trunc i64 %y to i16
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 310, i32 0, i8 %t, i16 %u, i64 %x)
  ret void
}
