; stackmap_spills.ll -- written for stackmap-construct's fixture corpus.
;
; Indirect locations: values that are live across a call and then used as
; stackmap operands.  There are more of them than any target here has
; callee-saved registers (x86_64 6, aarch64 10, s390x 8, ppc64 18 GPRs), so
; the register allocator must spill some; a spilled stackmap operand is
; recorded as "Indirect [stack/frame register + offset]" (the value is in
; memory at that address).  The values come from volatile loads so they
; cannot be rematerialised or folded.  Doubles are spilled too.  Two
; functions, two records each (odd and even counts).

declare void @llvm.experimental.stackmap(i64, i32, ...)
declare void @clobber()

define void @many_i64(i64* %p) {
entry:
  %g0 = getelementptr i64, i64* %p, i64 0
  %g1 = getelementptr i64, i64* %p, i64 1
  %g2 = getelementptr i64, i64* %p, i64 2
  %g3 = getelementptr i64, i64* %p, i64 3
  %g4 = getelementptr i64, i64* %p, i64 4
  %g5 = getelementptr i64, i64* %p, i64 5
  %g6 = getelementptr i64, i64* %p, i64 6
  %g7 = getelementptr i64, i64* %p, i64 7
  %g8 = getelementptr i64, i64* %p, i64 8
  %g9 = getelementptr i64, i64* %p, i64 9
  %g10 = getelementptr i64, i64* %p, i64 10
  %g11 = getelementptr i64, i64* %p, i64 11
  %g12 = getelementptr i64, i64* %p, i64 12
  %g13 = getelementptr i64, i64* %p, i64 13
  %g14 = getelementptr i64, i64* %p, i64 14
  %g15 = getelementptr i64, i64* %p, i64 15
  %g16 = getelementptr i64, i64* %p, i64 16
  %g17 = getelementptr i64, i64* %p, i64 17
  %g18 = getelementptr i64, i64* %p, i64 18
  %g19 = getelementptr i64, i64* %p, i64 19
  %g20 = getelementptr i64, i64* %p, i64 20
  %g21 = getelementptr i64, i64* %p, i64 21
  %g22 = getelementptr i64, i64* %p, i64 22
  %v0 = load volatile i64, i64* %g0
  %v1 = load volatile i64, i64* %g1
  %v2 = load volatile i64, i64* %g2
  %v3 = load volatile i64, i64* %g3
  %v4 = load volatile i64, i64* %g4
  %v5 = load volatile i64, i64* %g5
  %v6 = load volatile i64, i64* %g6
  %v7 = load volatile i64, i64* %g7
  %v8 = load volatile i64, i64* %g8
  %v9 = load volatile i64, i64* %g9
  %v10 = load volatile i64, i64* %g10
  %v11 = load volatile i64, i64* %g11
  %v12 = load volatile i64, i64* %g12
  %v13 = load volatile i64, i64* %g13
  %v14 = load volatile i64, i64* %g14
  %v15 = load volatile i64, i64* %g15
  %v16 = load volatile i64, i64* %g16
  %v17 = load volatile i64, i64* %g17
  %v18 = load volatile i64, i64* %g18
  %v19 = load volatile i64, i64* %g19
  %v20 = load volatile i64, i64* %g20
  %v21 = load volatile i64, i64* %g21
  %v22 = load volatile i64, i64* %g22
  call void @clobber()
  ; 23 locations (odd): a mix of Register (callee-saved) and Indirect (spilled)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 700, i32 0,
      i64 %v0, i64 %v1, i64 %v2, i64 %v3, i64 %v4, i64 %v5, i64 %v6, i64 %v7,
      i64 %v8, i64 %v9, i64 %v10, i64 %v11, i64 %v12, i64 %v13, i64 %v14, i64 %v15,
      i64 %v16, i64 %v17, i64 %v18, i64 %v19, i64 %v20, i64 %v21, i64 %v22)
  call void @clobber()
  ; 22 locations (even), after a second call
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 701, i32 0,
      i64 %v22, i64 %v21, i64 %v20, i64 %v19, i64 %v18, i64 %v17, i64 %v16, i64 %v15,
      i64 %v14, i64 %v13, i64 %v12, i64 %v11, i64 %v10, i64 %v9, i64 %v8, i64 %v7,
      i64 %v6, i64 %v5, i64 %v4, i64 %v3, i64 %v2, i64 %v1)
  ret void
}

define void @doubles_and_ints(double* %d, i32* %w) {
entry:
  %h0 = getelementptr double, double* %d, i64 0
  %h1 = getelementptr double, double* %d, i64 1
  %h2 = getelementptr double, double* %d, i64 2
  %h3 = getelementptr double, double* %d, i64 3
  %h4 = getelementptr double, double* %d, i64 4
  %h5 = getelementptr double, double* %d, i64 5
  %h6 = getelementptr double, double* %d, i64 6
  %h7 = getelementptr double, double* %d, i64 7
  %h8 = getelementptr double, double* %d, i64 8
  %h9 = getelementptr double, double* %d, i64 9
  %k0 = getelementptr i32, i32* %w, i64 0
  %k1 = getelementptr i32, i32* %w, i64 1
  %k2 = getelementptr i32, i32* %w, i64 2
  %d0 = load volatile double, double* %h0
  %d1 = load volatile double, double* %h1
  %d2 = load volatile double, double* %h2
  %d3 = load volatile double, double* %h3
  %d4 = load volatile double, double* %h4
  %d5 = load volatile double, double* %h5
  %d6 = load volatile double, double* %h6
  %d7 = load volatile double, double* %h7
  %d8 = load volatile double, double* %h8
  %d9 = load volatile double, double* %h9
  %i0 = load volatile i32, i32* %k0
  %i1 = load volatile i32, i32* %k1
  %i2 = load volatile i32, i32* %k2
  call void @clobber()
  ; 13 locations (odd): doubles and i32s, spilled or in callee-saved registers
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 710, i32 0,
      double %d0, double %d1, double %d2, double %d3, double %d4,
      double %d5, double %d6, double %d7, double %d8, double %d9,
      i32 %i0, i32 %i1, i32 %i2)
  ; 4 locations (even)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 711, i32 0, double %d0, i32 %i0, double %d9, i32 %i2)
  ret void
}
