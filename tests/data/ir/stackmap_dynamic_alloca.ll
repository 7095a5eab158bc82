; stackmap_dynamic_alloca.ll -- written for stackmap-construct's fixture corpus.
;
; A function with a variable-sized alloca: its frame size is not static, so
; the stack-size record should say 0xFFFFFFFFFFFFFFFF (18446744073709551615).
; A second, ordinary function in the same module keeps a normal stack size,
; so the function table mixes both.  The dynamic buffer's address is passed
; as a stackmap operand (a Register location, since it is computed at run
; time), next to a static alloca (Direct) and the size (Register).

declare void @llvm.experimental.stackmap(i64, i32, ...)
declare void @use(i8*, i64*)

define void @dynamic(i64 %n) {
entry:
  %fixed = alloca i64, align 8
  %buf = alloca i8, i64 %n, align 16
  call void @use(i8* %buf, i64* %fixed)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 800, i32 0, i8* %buf, i64* %fixed, i64 %n)
  call void @use(i8* %buf, i64* %fixed)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 801, i32 0, i64* %fixed, i64 %n)
  ret void
}

define void @static(i64 %n) {
entry:
  %fixed = alloca i64, align 8
  call void @use(i8* null, i64* %fixed)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 810, i32 0, i64* %fixed, i64 %n)
  ret void
}
