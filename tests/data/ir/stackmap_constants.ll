; stackmap_constants.ll -- written for stackmap-construct's fixture corpus.
;
; Constant and ConstantIndex locations.  Integer stackmap operands that fit in
; a signed 32-bit value become Constant locations (the value is stored in the
; offset field; readobj prints it as unsigned 32-bit, so -1 is 4294967295);
; larger ones go to the function-independent constant pool and become
; ConstantIndex locations.  Covers 0, 1, -1, INT32_MAX, INT32_MIN, narrow
; constants (i8 -1, i16 -2, i32 -7), and pool constants 1234567890123,
; 0x7FFFFFFFFFFFFFFF, -2^40, INT64_MIN and 2^31 (just too big for Constant).
; The same big constant is used in two records and two functions to show
; whether the pool is de-duplicated.  A register operand is mixed in as well.

declare void @llvm.experimental.stackmap(i64, i32, ...)

define void @small_constants(i64 %x) {
entry:
  ; 3 locations: 0, 1, -1
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 500, i32 0, i64 0, i64 1, i64 -1)
  ; 4 locations: INT32_MAX, INT32_MIN, narrow negatives
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 501, i32 0, i64 2147483647, i64 -2147483648, i8 -1, i16 -2)
  ; 2 locations: a 32-bit constant and a register
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 502, i32 0, i32 -7, i64 %x)
  ret void
}

define void @pool_constants(i64 %x) {
entry:
  ; 3 locations: pool, pool, pool
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 510, i32 0, i64 1234567890123, i64 9223372036854775807, i64 -1099511627776)
  ; 4 locations: INT64_MIN, 2^31, a repeat of 1234567890123, and a register
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 511, i32 0, i64 -9223372036854775808, i64 2147483648, i64 1234567890123, i64 %x)
  ret void
}

define void @mixed_constants(i64 %x) {
entry:
  ; 5 locations: small, pool (repeat from another function), register, small, pool
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 520, i32 0, i64 42, i64 9223372036854775807, i64 %x, i64 -1, i64 4294967296)
  ret void
}
