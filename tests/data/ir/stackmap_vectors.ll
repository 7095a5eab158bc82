; stackmap_vectors.ll -- written for stackmap-construct's fixture corpus.
;
; Register locations holding 16-byte vector values (<4 x float>, <2 x double>,
; <4 x i32>), next to a scalar.  llc 14 (default CPUs) lowers vector stackmap
; operands on x86_64, aarch64 and powerpc64le, but segfaults on powerpc64
; (big-endian, no VSX by default) and s390x (no vector facility by default),
; so regenerate.sh skips those two.

declare void @llvm.experimental.stackmap(i64, i32, ...)

define void @vectors(<4 x float> %v, <2 x double> %d, <4 x i32> %i, i64 %q) {
entry:
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 400, i32 0, <4 x float> %v)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 401, i32 0, <4 x float> %v, <2 x double> %d, <4 x i32> %i, i64 %q)
  ret void
}
