"""Running llvm-readobj on many files at once (one process for a batch)."""

from __future__ import annotations

from pathlib import Path

from llvm_tools import readobj_stackmap_block, run


def readobj_blocks(llvm_readobj: str, paths: list[Path]) -> dict[Path, str]:
    """``llvm-readobj --stackmap`` of each file, from its line
    ``LLVM StackMap Version`` on, keyed by path."""
    text = run([llvm_readobj, "--stackmap", *map(str, paths)], text=True).stdout
    chunks = text.split("\nFile: ")[1:]
    assert len(chunks) == len(paths), text[:500]
    out = {}
    for path, chunk in zip(paths, chunks):
        assert chunk.startswith(str(path) + "\n"), chunk[:200]
        out[path] = readobj_stackmap_block(chunk)
    return out


def readobj_header(llvm_readobj: str, path: Path) -> dict[str, str]:
    """The ``Format``, ``Arch`` and ``AddressSize`` lines llvm-readobj prints
    for a file, plus its ELF header's data encoding, machine and flags."""
    text = run([llvm_readobj, "--stackmap", "--file-headers", str(path)], text=True).stdout
    keep = ("Format:", "Arch:", "AddressSize:", "DataEncoding:", "Machine:", "Flags [", "Class:")
    return {line.split(":")[0].split("[")[0].strip(): line.strip() for line in text.splitlines()
            if line.strip().startswith(keep)}
