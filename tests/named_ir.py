"""One LLVM 14 IR module the container and load() tests compile with llc:
an internal function and an exported one, each with a stackmap (ids 10 and
11), so that their records are named from relocations or symbols."""

IR = """
declare void @llvm.experimental.stackmap(i64, i32, ...)
define internal i64 @hidden_helper(i64 %a) noinline {
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 10, i32 0, i64 %a)
  %r = add i64 %a, 1
  ret i64 %r
}
define i64 @visible(i64 %a) {
  %x = call i64 @hidden_helper(i64 %a)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 11, i32 0, i64 %x, i64 %a)
  ret i64 %x
}
"""
