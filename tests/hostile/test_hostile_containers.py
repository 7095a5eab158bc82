"""Hostile container files (issue 11, "Containers"): every one is refused
with one line and exit 1 (or read, where it is merely odd), never an
internal error, a hang, or memory sized by a declared number.

The files are real objects from tests/data/hostile/seeds (see make.sh
there) with one field changed here, or the byte strings quoted in the
issue."""

from __future__ import annotations

import pathlib
import struct
import time
import tracemalloc
import zlib

import pytest

from stackmap_construct.cli.main import main
from stackmap_construct.containers.coff import export_directory, file_header, optional_header_64, section_header

SEEDS = pathlib.Path(__file__).parent.parent / "data" / "hostile" / "seeds"
PROG = "stackmap-construct"


def seed(name: str) -> bytearray:
    return bytearray((SEEDS / name).read_bytes())


def run(tmp_path, data: bytes, *argv: str, name: str = "input") -> tuple[int, str, float, int]:
    """(exit status, stderr, seconds, peak traced bytes) of ``dump`` (or ``argv``) on ``data``."""
    import contextlib
    import io

    path = tmp_path / name
    path.write_bytes(bytes(data))
    err = io.StringIO()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            status = main([*(argv or ["dump"]), str(path)])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return status, err.getvalue(), time.perf_counter() - start, peak


def assert_one_line_error(status: int, err: str, *needles: str) -> None:
    assert status == 1, err
    assert err.count("\n") == 1 and err.startswith(f"{PROG}: error: "), err
    for needle in needles:
        assert needle in err, err


# -- ELF section headers of the little-endian ELF64 seeds ----------------------

def elf_section(data: bytearray, index: int) -> int:
    """File offset of section header ``index`` (ELF64, little-endian)."""
    shoff, = struct.unpack_from("<Q", data, 0x28)
    return shoff + 64 * index


def set_section(data: bytearray, index: int, **fields: int) -> None:
    at = elf_section(data, index)
    layout = {"sh_type": (4, "<I"), "sh_flags": (8, "<Q"), "sh_offset": (24, "<Q"), "sh_size": (32, "<Q")}
    for name, value in fields.items():
        offset, fmt = layout[name]
        struct.pack_into(fmt, data, at + offset, value)


STACKMAPS = {"elf64le.o": 4, "elf64le.so": 5, "elf64le-zlib.o": 4}  # section index, from llvm-readelf -S
DYNAMIC = {"elf64le.so": 8, "elf64le-pie": 9}
SHT_PROGBITS, SHT_NOBITS = 1, 8


# -- 1. Mach-O tables past the end of the file ---------------------------------

def test_macho_symbol_table_past_the_end_56_bytes(tmp_path):
    data = bytes.fromhex("cffaedfe07000001030000000100000001000000180000000000000000000000"
                         "020000001800000000100000010000000000000000000000")
    status, err, _, _ = run(tmp_path, data)
    assert_one_line_error(status, err, "the symbol table (1 entries of 16 bytes at offset 4096 (0x1000)) "
                                       "runs past the end of the file (56 bytes)")


@pytest.mark.parametrize("name", ["macho-arm64.o", "macho-x86_64.dylib"])
@pytest.mark.parametrize("keep", [32, 100, 600, 900])
def test_truncated_real_macho(tmp_path, name, keep):
    status, err, _, _ = run(tmp_path, seed(name)[:keep])
    assert_one_line_error(status, err)


def test_macho_relocations_past_the_end(tmp_path):
    data = seed("macho-arm64.o")
    # the first section_64 of the LC_SEGMENT_64 at 32: reloff at +56, nreloc at +60
    for k in range(struct.unpack_from("<I", data, 32 + 64)[0]):
        sec = 32 + 72 + 80 * k
        if data[sec:sec + 16].rstrip(b"\0") == b"__llvm_stackmaps":
            struct.pack_into("<II", data, sec + 56, len(data) - 8, 1000)
    status, err, _, _ = run(tmp_path, data)
    assert_one_line_error(status, err, "the relocations of __llvm_stackmaps (1000 entries of 8 bytes")


# -- 2. ELF .dynamic that is not SHT_DYNAMIC ------------------------------------

@pytest.mark.parametrize("name", sorted(DYNAMIC))
def test_elf_dynamic_section_of_another_type_is_ignored(tmp_path, name, capsys):
    data = seed(name)
    set_section(data, DYNAMIC[name], sh_type=SHT_PROGBITS)
    status, err, _, _ = run(tmp_path, data)
    assert (status, err) == (0, "")


# -- 3./4. compressed and declared sizes ----------------------------------------

def test_compressed_stackmap_section_with_a_bad_zlib_stream(tmp_path):
    data = seed("elf64le-zlib.o")
    at = elf_section(data, 4)
    offset, = struct.unpack_from("<Q", data, at + 24)
    data[offset + 24 + 4] ^= 0xFF  # inside the deflate stream, after the 24-byte Elf64_Chdr
    status, err, _, _ = run(tmp_path, data)
    assert_one_line_error(status, err, "section .llvm_stackmaps: ")
    assert "zlib" in err


def test_the_zlib_seed_reads(tmp_path):
    assert run(tmp_path, seed("elf64le-zlib.o"))[:2] == (0, "")


def compressed_object(declared: int, payload: bytes) -> bytearray:
    """elf64le.o with its stackmap section replaced by a zlib-compressed one
    (Elf64_Chdr: ch_type 1, ch_size ``declared``) appended to the file."""
    data = seed("elf64le.o")
    section = struct.pack("<IIQQ", 1, 0, declared, 8) + zlib.compress(payload, 9)
    offset = len(data)
    data += section
    set_section(data, 4, sh_flags=0x802, sh_offset=offset, sh_size=len(section))
    return data


def test_zlib_bomb_is_refused_before_inflating(tmp_path):
    bomb = compressed_object(64 << 20, bytes(64 << 20))  # 64 MiB of zeros in ~64 KB
    assert len(bomb) < 100_000
    status, err, seconds, peak = run(tmp_path, bomb)
    assert_one_line_error(status, err, "declares 67108864 bytes uncompressed, more than 32 times the file's size")
    assert peak < 8 << 20 and seconds < 5


def test_zlib_stream_longer_than_its_header_says(tmp_path):
    data = compressed_object(1000, bytes(1 << 20))  # says 1000, inflates to 1 MiB
    status, err, _, peak = run(tmp_path, data)
    assert_one_line_error(status, err, "zlib stream inflates to more than the 1000 bytes its header declares")
    assert peak < 8 << 20


@pytest.mark.parametrize("size", [1 << 30, 16 << 30])
def test_nobits_stackmap_section_allocates_nothing(tmp_path, size):
    data = seed("elf64le.o")
    set_section(data, 4, sh_type=SHT_NOBITS, sh_size=size)
    status, err, seconds, peak = run(tmp_path, data)
    assert_one_line_error(status, err, f"section .llvm_stackmaps is SHT_NOBITS: it declares {size} bytes")
    assert peak < 8 << 20 and seconds < 5


@pytest.mark.parametrize("name", sorted(STACKMAPS))
def test_section_larger_than_the_file(tmp_path, name):
    data = seed(name)
    set_section(data, STACKMAPS[name], sh_size=1 << 34)
    status, err, _, peak = run(tmp_path, data)
    assert_one_line_error(status, err, "section .llvm_stackmaps (17179869184 bytes at offset",
                          f"runs past the end of the file ({len(data)} bytes)")
    assert peak < 8 << 20


def test_symbol_table_compressed_bomb_is_refused(tmp_path):
    """Any section read, not only the stackmaps: a compressed .symtab."""
    from elftools.elf.elffile import ELFFile
    import io

    data = seed("elf64le.o")
    index = next(i for i, s in enumerate(ELFFile(io.BytesIO(bytes(data))).iter_sections()) if s.name == ".symtab")
    section = struct.pack("<IIQQ", 1, 0, 64 << 20, 8) + zlib.compress(bytes(64 << 20), 9)
    section += bytes(-len(section) % 24)  # a whole number of 24-byte entries, as pyelftools checks
    offset = len(data)
    data += section
    set_section(data, index, sh_flags=0x800, sh_offset=offset, sh_size=len(section))
    status, err, _, peak = run(tmp_path, data)
    assert_one_line_error(status, err, "section .symtab declares 67108864 bytes uncompressed")
    assert peak < 8 << 20


def test_zero_section_header_entry_size(tmp_path):
    data = seed("elf64le.o")
    struct.pack_into("<H", data, 0x3A, 0)  # e_shentsize
    status, err, seconds, _ = run(tmp_path, data)
    assert_one_line_error(status, err, "e_shentsize 0 is smaller than a section header (64 bytes)")
    assert seconds < 5


# -- 5. PE export table with NumberOfNames = 0xFFFFFFFF ---------------------------

def export_directory_offset(data: bytes) -> int:
    start = struct.unpack_from("<I", data, 0x3C)[0] + 4
    header = file_header.parse(data[start:start + 20])
    optional = optional_header_64.parse(data[start + 20:start + 20 + optional_header_64.sizeof()])
    table = start + 20 + header.size_of_optional_header
    for i in range(header.number_of_sections):
        h = section_header.parse(data[table + 40 * i:table + 40 * i + 40])
        if h.virtual_address <= optional.export_table_rva < h.virtual_address + h.virtual_size:
            return h.pointer_to_raw_data + optional.export_table_rva - h.virtual_address
    raise AssertionError("no export directory")


@pytest.mark.parametrize("field,value,needle", [
    (24, 0xFFFFFFFF, "the export name pointer table (4294967295 names)"),  # NumberOfNames
    (20, 0xFFFFFFFF, "the export address table (4294967295 entries)"),  # NumberOfFunctions
    (32, 0x7FFFFFF0, "the export name pointer table (1 names) (RVA 0x7ffffff0, 4 bytes) lies in no section"),
])
def test_pe_export_table_walk_is_bounded(tmp_path, field, value, needle):
    data = seed("pe-exports.dll")
    at = export_directory_offset(data)
    assert export_directory.parse(data[at:at + 40]).number_of_names == 1
    struct.pack_into("<I", data, at + field, value)
    status, err, seconds, peak = run(tmp_path, data)
    assert_one_line_error(status, err, needle)
    assert seconds < 5 and peak < 8 << 20


def test_pe_export_seed_names_its_export(tmp_path, capsys):
    path = tmp_path / "x.dll"
    path.write_bytes(seed("pe-exports.dll"))
    assert main(["dump", str(path), "--format", "json"]) == 0
    assert '"symbol": "visible"' in capsys.readouterr().out


# -- 6. one line, always -----------------------------------------------------------

@pytest.mark.parametrize("hexdata,needle", [
    ("cffaedfe0700", "the file (6 bytes) is shorter than a Mach-O header (32 bytes)"),
    ("6486060000000000fe03000014000000000000002e1865",
     "the section table (6 entries of 40 bytes at offset 20 (0x14)) runs past the end of the file (23 bytes)"),
])
def test_short_files_give_one_line(tmp_path, hexdata, needle, capsys):
    for argv in (["dump"], ["explain"], ["validate", "-o", str(tmp_path / "report")]):
        status, err, _, _ = run(tmp_path, bytes.fromhex(hexdata), *argv)
        assert_one_line_error(status, err, needle)


@pytest.mark.parametrize("name", sorted(p.name for p in SEEDS.iterdir() if p.suffix != ".sh"))
def test_every_cut_of_every_seed_is_one_line(tmp_path, name):
    """Truncation at every structure boundary a reader may trip on (every
    64th byte, and the header's end), through every command."""
    data = seed(name)
    for keep in sorted({*range(0, len(data), 64), 20, 24, 52, 60}):
        for argv in (["dump"], ["explain"]):
            status, err, _, _ = run(tmp_path, data[:keep], *argv)
            assert status in (0, 1) and err.count("\n") <= 1, (keep, err)
