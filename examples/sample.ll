; A small module whose stackmap shows every location kind and live-outs.
; Made into sample.o (x86-64 ELF) by:
;   llc -O2 -mtriple=x86_64-linux-gnu -filetype=obj sample.ll -o sample.o
declare void @llvm.experimental.stackmap(i64, i32, ...)
declare void @llvm.experimental.patchpoint.void(i64, i32, i8*, i32, ...)
declare void @callee()

; Register, Direct (alloca), Constant, ConstantIndex (large constant),
; and Indirect (values spilled across the call to @callee).
define i64 @collect(i64 %a, i64 %b, double %d) {
entry:
  %buf = alloca [2 x i64]
  call void @callee()
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 1, i32 0, i64 %a, [2 x i64]* %buf, i32 -1, i64 1234567890123, double %d)
  %s = add i64 %a, %b
  call void @callee()
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 2, i32 0, i64 %s, i64 %b)
  ret i64 %s
}

; An anyregcc patchpoint: the record lists the registers live across it.
define i64 @patch(i64 %x, i64 %y) {
entry:
  call anyregcc void (i64, i32, i8*, i32, ...) @llvm.experimental.patchpoint.void(i64 3, i32 16, i8* null, i32 0, i64 %x)
  %r = mul i64 %x, %y
  ret i64 %r
}
