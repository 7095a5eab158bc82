; stackmap_register_widths.ll -- written for stackmap-construct's fixture corpus.
;
; Register locations of the widths every target here can lower as stackmap
; operands: i32, i64, pointer, float, double.  The location size field is
; the spill size of the register class llc picked, which differs per target
; (e.g. a float lives in a 16-byte XMM register on x86_64).  Narrow integers
; (i8, i16) and vectors are in separate modules because llc 14 crashes on
; them for some targets.

declare void @llvm.experimental.stackmap(i64, i32, ...)

define void @ints(i32 %w, i64 %q, i8* %p) {
entry:
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 200, i32 0, i32 %w, i64 %q, i8* %p)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 201, i32 0, i32 %w, i64 %q)
  ret void
}

define void @fps(float %f, double %d) {
entry:
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 210, i32 0, float %f, double %d)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 211, i32 0, double %d)
  ret void
}

define void @mixed(i64 %q, double %d, i32 %w, float %f, i8* %p) {
entry:
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 220, i32 0, i64 %q, double %d, i32 %w, float %f, i8* %p)
  ret void
}
