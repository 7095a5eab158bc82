; stackmap_allocas.ll -- written for stackmap-construct's fixture corpus.
;
; Direct locations: when a stackmap operand is the address of a static alloca,
; the location is "Direct [frame/stack register + offset]" (the address itself,
; not a load from it).  Several allocas of different sizes and alignments,
; mixed with Register and Constant operands, in two functions.  @escape keeps
; the allocas alive and their contents observable.

declare void @llvm.experimental.stackmap(i64, i32, ...)
declare void @escape(i8*, i64*, [4 x i32]*)

define void @three_allocas(i64 %x) {
entry:
  %b = alloca i8, align 1
  %q = alloca i64, align 8
  %arr = alloca [4 x i32], align 16
  store i64 %x, i64* %q, align 8
  call void @escape(i8* %b, i64* %q, [4 x i32]* %arr)
  ; 3 Direct locations (odd)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 600, i32 0, i8* %b, i64* %q, [4 x i32]* %arr)
  ; 2 Direct + 1 Register + 1 Constant (even)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 601, i32 0, i64* %q, [4 x i32]* %arr, i64 %x, i32 7)
  ret void
}

define i64 @big_frame(i64 %n) {
entry:
  %buf = alloca [64 x i64], align 8
  %slot = alloca i64, align 8
  %p0 = getelementptr [64 x i64], [64 x i64]* %buf, i64 0, i64 0
  store i64 %n, i64* %p0, align 8
  store volatile i64 %n, i64* %slot, align 8
  %c = bitcast [64 x i64]* %buf to i8*
  call void @escape(i8* %c, i64* %slot, [4 x i32]* null)
  ; 2 Direct locations (even)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 610, i32 0, [64 x i64]* %buf, i64* %slot)
  %v = load volatile i64, i64* %slot, align 8
  ret i64 %v
}
