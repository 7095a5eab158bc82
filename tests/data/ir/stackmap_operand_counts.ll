; stackmap_operand_counts.ll -- written for stackmap-construct's fixture corpus.
;
; Exercises llvm.experimental.stackmap with 0, 1, 2, 3, 4 and 5 live operands,
; spread over three functions (several records per function).  In the v3 format
; each location is 12 bytes and the location array starts 4 bytes after an
; 8-byte-aligned point, so an even location count needs a u32 pad before the
; live-out header and an odd count does not.  Operands are plain i64/i32
; function arguments, so they should be Register locations on every target.
; The record IDs are distinct and chosen to be recognisable (1xx).

declare void @llvm.experimental.stackmap(i64, i32, ...)
declare void @opaque(i64)

define void @zero_and_one(i64 %a) {
entry:
  ; 0 locations (even)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 100, i32 0)
  ; 1 location (odd)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 101, i32 0, i64 %a)
  ; same location count again, with shadow bytes requested
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 102, i32 8, i64 %a)
  ret void
}

define i64 @two_three_four(i64 %a, i64 %b, i64 %c, i32 %d) {
entry:
  ; 2 locations (even)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 110, i32 0, i64 %a, i64 %b)
  ; 3 locations (odd)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 111, i32 0, i64 %a, i64 %b, i64 %c)
  ; 4 locations (even), one of them 32-bit
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 112, i32 0, i64 %a, i64 %b, i64 %c, i32 %d)
  %s1 = add i64 %a, %b
  %s2 = add i64 %s1, %c
  ret i64 %s2
}

define void @five_then_zero(i64 %a, i64 %b, i64 %c, i64 %d, i64 %e) {
entry:
  ; 5 locations (odd)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 120, i32 0, i64 %a, i64 %b, i64 %c, i64 %d, i64 %e)
  call void @opaque(i64 %a)
  ; 0 locations again, after a call
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 121, i32 0)
  ret void
}
