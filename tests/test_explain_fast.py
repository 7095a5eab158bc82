"""explain's fast paths give the bytes of the plain walk of the definition:
the whole of a valid blob from its columns (one process, or two sharing
the records out in stripes), ``--range`` straight to the bytes asked for,
a broken blob through the walk; on little- and big-endian maps, records
without locations, items across the offset column's 64 KB steps, and a
reader that goes away (``| head -3``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from stackmap_construct import StackMapError, build, parse, parse_spans, to_dict, view
from stackmap_construct.cli import explain as cli_explain
from stackmap_construct.cli.main import main
from stackmap_construct.format.walk import walk
from stackmap_construct.generate import generate_blob
from stackmap_construct.render import explain as ex
from stackmap_construct.render import parallel


def _plain(data: bytes, endian: str, arch=None, docs=True, start=None, end=None) -> str:
    """The reference: every event of the definition's walk, one line each."""
    return "".join(line + "\n" for line in ex.render_explain(walk(data, endian=endian), start=start, end=end,
                                                            arch=arch, docs=docs))


def _fast(data: bytes, endian: str, arch=None, docs=True) -> str:
    spans = parse_spans(data, endian=endian)
    return ex.HEADER + "\n" + "".join(
        b"".join(ex.render_explain_chunks(view(s.stackmap, endian=endian), prefix=f"#{k}" if k else "",
                                          arch=arch, docs=docs)).decode()
        for k, s in enumerate(spans))


def _repeated(seed: int, times: int, endian: str = "little", **options) -> bytes:
    """A big blob quickly: the records of a generated one, ``times`` over."""
    doc = to_dict(parse(generate_blob(seed, endian=endian, **options), endian=endian))
    doc["records"] = doc["records"] * times
    if doc["functions"]:
        doc["functions"][-1]["record_count"] += len(doc["records"]) - sum(f["record_count"]
                                                                          for f in doc["functions"])
    return build(doc, endian=endian)


def _explain(capsysbinary, path, *args) -> tuple[int, bytes]:
    code = main(["explain", str(path), "--raw", *args])
    out = capsysbinary.readouterr().out
    return code, out


def _body(out: bytes) -> str:
    """The lines after the section line."""
    return out.decode().split("\n", 1)[1]


@pytest.mark.parametrize("endian", ["little", "big"])
def test_records_without_locations_and_both_byte_orders(endian):
    for seed in range(6):
        data = generate_blob(seed, endian=endian, records=(1, 9), locations=0, live_outs=(0, 3),
                             constants=(0, 2))
        assert _fast(data, endian, "x86_64") == _plain(data, endian, "x86_64")
        data = generate_blob(seed, endian=endian, records=(1, 9), locations=(0, 14), live_outs=0)
        for docs in (True, False):
            assert _fast(data, endian, "aarch64", docs) == _plain(data, endian, "aarch64", docs)


def test_offset_columns_across_64k_steps_and_past_16_mb():
    offsets = ex._Offsets(0x2000000)
    for o in (0, 9, 0xFFFF, 0x10000, 0xFFFFFF, 0x1000000, 0x1234567, 0x1FFFFFF):
        assert offsets.column(o).decode() == ex.offset_column(o)
    assert ex.offset_column(0x1000000) == "0x1000000"  # a seventh digit, not cut


def test_items_straddling_a_64k_step_take_the_slow_path():
    # Concatenated blobs shift the items until one starts in the last bytes
    # of a 64 KB step (its fields' offsets then carry into the next).
    base = _repeated(4, 30, records=(6, 6), locations=(10, 30), live_outs=(1, 3))
    for pad_blobs in range(1, 40):
        data = base + generate_blob(pad_blobs, records=(1, 1), locations=(1, 3), live_outs=0) * pad_blobs + base
        v = view(parse_spans(data)[-1].stackmap)
        table = v.locations
        if any((v.start + table.offset(i, j)) & 0xFFFF > 0xFFFF - 8
               for i in range(v.record_count) for j in range(table.counts[i])):
            break
    else:  # pragma: no cover
        pytest.fail("no location straddles a 64 KB step")
    assert _fast(data, "little") == _plain(data, "little")


def test_two_processes_give_the_same_bytes(tmp_path, capsysbinary, monkeypatch):
    data = _repeated(7, 40, records=(20, 20), locations=(0, 30), live_outs=(0, 3), constants=(1, 5))
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    code, alone = _explain(capsysbinary, path)
    assert code == 0
    monkeypatch.setattr(cli_explain, "TWO_WORKERS_FROM", 0)
    monkeypatch.setattr(cli_explain, "STRIPE_OUTPUT", 20_000)
    monkeypatch.setattr(parallel, "idle_core", lambda: True)
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    code, shared = _explain(capsysbinary, path)
    assert code == 0 and forks == [1]
    assert shared == alone
    assert _body(alone) == _plain(data, "little")


def _one_process_first(tmp_path, capsysbinary, monkeypatch, *, idle: bool):
    """A 20-record blob explained by one process (its file and that
    output), then small stripes from a zero size on, a core idle or not."""
    data = _repeated(8, 20, records=(20, 20), locations=(1, 20), live_outs=(0, 2))
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    alone = _explain(capsysbinary, path)
    monkeypatch.setattr(cli_explain, "TWO_WORKERS_FROM", 0)
    monkeypatch.setattr(cli_explain, "STRIPE_OUTPUT", 20_000)
    monkeypatch.setattr(parallel, "idle_core", lambda: idle)
    return path, alone


def test_when_the_other_process_fails_this_one_renders_its_stripes(tmp_path, capsysbinary, monkeypatch):
    path, (code, alone) = _one_process_first(tmp_path, capsysbinary, monkeypatch, idle=True)
    parent = os.getpid()
    real = parallel._write_all

    def fails_in_the_child(fd, piece):
        if os.getpid() != parent:
            raise OSError("the other process breaks")
        real(fd, piece)

    monkeypatch.setattr(parallel, "_write_all", fails_in_the_child)
    assert _explain(capsysbinary, path) == (code, alone)


def test_a_broken_tail_shows_every_field_before_it_then_the_error(tmp_path, capsysbinary):
    data = bytearray(_repeated(9, 10, records=(10, 10), locations=(2, 9), live_outs=(0, 2)))
    v = view(parse(bytes(data)))
    last = v.record_count - 1
    at = v.offset_of(f"records[{last}].reserved")
    data[at] = 1  # the last record's reserved field
    path = tmp_path / "broken.bin"
    path.write_bytes(bytes(data))
    code, out = _explain(capsysbinary, path)
    assert code == 1
    lines = []
    with pytest.raises(StackMapError) as info:
        for line in ex.render_explain(walk(bytes(data))):
            lines.append(line + "\n")
    assert _body(out) == "".join(lines) + f"error: {info.value.describe()}\n"
    assert f" records[{last}].instruction_offset " in lines[-1]  # every field before the broken one
    assert info.value.path == f"records[{last}].reserved" and info.value.offset == at
    out_file = tmp_path / "out.txt"
    assert main(["explain", str(path), "--raw", "-o", str(out_file)]) == 1
    assert not out_file.exists()  # never a file that would look whole


def test_range_edges(tmp_path, capsysbinary):
    a = generate_blob(11, records=(5, 5), locations=(1, 9), live_outs=(1, 2), constants=(1, 3))
    b = generate_blob(12, records=(4, 4), locations=(0, 5), live_outs=(0, 2))
    data = a + b
    path = tmp_path / "two.bin"
    path.write_bytes(data)
    n = len(data)
    for start, end in [(0, 1), (n - 1, n), (len(a) - 2, len(a) + 2), (len(a), len(a) + 1), (0, n),
                       (0x12, 0x13), (n - 8, None), (None, 3)]:
        spec = f"{'' if start is None else hex(start)}:{'' if end is None else hex(end)}"
        code, out = _explain(capsysbinary, path, "--range", spec)
        assert code == 0
        assert _body(out) == _plain(data, "little", start=start, end=end), spec


def test_head_gets_its_lines_promptly_and_nothing_lingers(tmp_path):
    data = _repeated(13, 300, records=(20, 20), locations=(10, 30), live_outs=(0, 3))
    assert len(data) > cli_explain.TWO_WORKERS_FROM  # two processes
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-m", "stackmap_construct", "explain", str(path), "--raw"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(3)]
    proc.stdout.close()  # the reader goes away, as head does
    proc.wait(timeout=60)
    assert time.monotonic() - started < 60
    assert lines[0].startswith(b"section ") and lines[1].startswith(b"offset ") and b"version" in lines[2]
    assert proc.stderr is not None and proc.stderr.read() == b""


def test_every_corruption_of_the_records_explains_as_the_walk_of_the_whole(tmp_path, capsysbinary, monkeypatch):
    """A blob broken in record k > 0: records before it from the columns of
    the blob cut before it, record k walked; the same bytes as walking the
    whole blob, for every byte of the records broken two ways."""
    data = generate_blob(21, records=(5, 5), locations=(1, 6), live_outs=(1, 2), constants=(1, 2))
    first = view(parse(data)).record_offsets[0]
    path = tmp_path / "b.bin"
    cases = fast = 0
    real = cli_explain._valid_records
    for pos in range(first, len(data)):
        for flip in (0x01, 0x80):
            broken = bytearray(data)
            broken[pos] ^= flip
            path.write_bytes(bytes(broken))
            for args in ([], ["--range", f"{pos - 3}:{pos + 20}"]):
                monkeypatch.setattr(cli_explain, "_valid_records", real)
                got = _explain(capsysbinary, path, *args)
                monkeypatch.setattr(cli_explain, "_valid_records", lambda *a: None)  # the walk of the whole
                assert got == _explain(capsysbinary, path, *args), (pos, flip, args)
                cases += 1
            try:
                parse(bytes(broken))
            except StackMapError as e:
                fast += bool(e.path and e.path.startswith("records[") and not e.path.startswith("records[0]"))
    assert cases == 4 * (len(data) - first) and fast > (len(data) - first) // 2


def test_a_busy_machine_explains_in_one_process(tmp_path, capsysbinary, monkeypatch):
    path, (code, alone) = _one_process_first(tmp_path, capsysbinary, monkeypatch, idle=False)
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked on a busy machine"))
    assert _explain(capsysbinary, path) == (code, alone)
