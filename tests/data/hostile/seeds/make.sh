#!/bin/sh
# Seed corpus of the container fuzzer (scripts/fuzz.py --containers, tests/generate/test_fuzz_containers.py):
# one small real file per container kind, made by LLVM 14 (llc, llvm-objcopy, ld.lld, ld64.lld,
# lld-link) and LLVM 22's llvm-objcopy (for the zlib-compressed section). Run from this directory.
set -eu
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cat > "$T/m.ll" <<'IR'
declare void @llvm.experimental.stackmap(i64, i32, ...)
define internal i64 @hidden_helper(i64 %a) noinline {
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 10, i32 0, i64 %a)
  %r = add i64 %a, 1
  ret i64 %r
}
define i64 @visible(i64 %a) {
  %x = call i64 @hidden_helper(i64 %a)
  call void (i64, i32, ...) @llvm.experimental.stackmap(i64 11, i32 0, i64 %x, i64 %a, i64 123456789012)
  ret i64 %x
}
IR
printf 'define void @f() {\n  ret void\n}\n' > "$T/empty.ll"
llc=llc; command -v llc-14 >/dev/null && llc=llc-14
o() { $llc -O2 -mtriple="$1" -filetype=obj "$T/$3" -o "$2" ${4:-}; }
o x86_64-linux-gnu elf64le.o m.ll -relocation-model=pic
o s390x-linux-gnu elf64be.o m.ll
# 32-bit ELF: no 32-bit llc target emits stackmaps here; an empty 32-bit object gets a blob.
llvm-objcopy -O binary --only-section=.llvm_stackmaps elf64le.o "$T/le.bin"
llvm-objcopy -O binary --only-section=.llvm_stackmaps elf64be.o "$T/be.bin"
o i386-linux-gnu "$T/e32le.o" empty.ll
o powerpc-linux-gnu "$T/e32be.o" empty.ll
llvm-objcopy --add-section=.llvm_stackmaps="$T/le.bin" "$T/e32le.o" elf32le.o
llvm-objcopy --add-section=.llvm_stackmaps="$T/be.bin" "$T/e32be.o" elf32be.o
/usr/lib/llvm-22/bin/llvm-objcopy --compress-sections=.llvm_stackmaps=zlib elf64le.o elf64le-zlib.o
# Linked images: small page sizes keep them a few KB.
ld.lld -shared -z notext -z max-page-size=16 --hash-style=gnu -o elf64le.so elf64le.o
ld.lld -pie -z notext -z max-page-size=16 --no-dynamic-linker -e visible -o elf64le-pie elf64le.o 2>/dev/null || \
  ld.lld -pie -z notext -z max-page-size=16 -e visible -o elf64le-pie elf64le.o
o arm64-apple-macosx11.0 macho-arm64.o m.ll
o x86_64-apple-macosx11.0 "$T/macho-x86_64.o" m.ll
ld64.lld-14 -dylib -arch x86_64 -platform_version macos 11.0 11.0 -o macho-x86_64.dylib "$T/macho-x86_64.o"
o x86_64-pc-windows-msvc coff-x86_64.obj m.ll
lld-link /dll /noentry /export:visible /debug:symtab /out:pe-symtab.dll coff-x86_64.obj
lld-link /dll /noentry /export:visible /out:pe-exports.dll coff-x86_64.obj
rm -f *.lib
ls -l
