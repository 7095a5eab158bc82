"""The renderers' parts (render/parallel.py): any split of a rendering in
two gives the same text, and the two-process rendering of ``dump`` gives
the same bytes as one process, stops and reaps its child when the reader
goes away, and falls back to one process where it must."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from stackmap_construct import parse
from stackmap_construct.cli.main import main
from stackmap_construct.generate import generate_blob
from stackmap_construct.render import parallel
from stackmap_construct.render.json import json_parts, render_json_plain
from stackmap_construct.render.parallel import concat, fixed, render_in_two
from stackmap_construct.render.readobj import readobj_part, render_readobj_plain
from stackmap_construct.render.text import text_part
from stackmap_construct.symbols import FunctionTarget

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _blobs():
    for seed in range(6):
        for endian in ("little", "big"):
            blob = generate_blob(seed, endian=endian, functions=(0, 3), records=(0, 9), constants=(0, 4))
            yield parse(blob, endian=endian), endian


def _targets(sm):
    return [FunctionTarget(f"f{i}" if i % 2 else None, 0x1000 * i if i % 3 else None)
            for i in range(len(sm.functions))]


def _all_parts(sm, endian):
    yield "readobj", concat([readobj_part(sm, endian), readobj_part(sm, endian)])
    yield "text", concat([fixed("head\n"), text_part(sm, arch="x86_64", targets=_targets(sm), endian=endian)])
    yield "json", concat(json_parts([(sm, endian, _targets(sm)), (sm, endian, None)]))


def _no_children() -> bool:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.mark.parametrize("k", range(12))
def test_every_split_gives_the_same_text(k):
    sm, endian = list(_blobs())[k]
    for name, (units, render) in _all_parts(sm, endian):
        whole = "".join(render(0, units))
        for mid in range(units + 1):
            assert "".join(render(0, mid)) + "".join(render(mid, units)) == whole, (name, mid)
    readobj_units, readobj = readobj_part(sm, endian)
    assert "".join(readobj(0, readobj_units)) == render_readobj_plain(sm)
    _, json_whole = concat(json_parts([(sm, endian, _targets(sm))]))
    assert "".join(json_whole(0, 10**9)) == render_json_plain([(sm, endian, _targets(sm))])


def test_two_processes_give_the_same_bytes():
    for sm, endian in _blobs():
        for name, part in _all_parts(sm, endian):
            want = "".join(part[1](0, part[0])).encode()
            for segment in (1, 2, 5, 10**6):
                assert b"".join(render_in_two(part, minimum=0, segment=segment)) == want, (name, segment)
                assert _no_children()


def test_a_reader_that_stops_early_stops_the_child():
    sm, endian = max(_blobs(), key=lambda b: len(b[0].records))
    pieces = render_in_two(readobj_part(sm, endian), minimum=0, segment=1)
    first = next(pieces)
    assert first.startswith(b"LLVM StackMap Version: 3\n")
    pieces.close()
    assert _no_children()


def test_a_failing_child_is_replaced_by_the_parent():
    sm, endian = max(_blobs(), key=lambda b: len(b[0].records))
    units, render = readobj_part(sm, endian)
    parent = os.getpid()

    for fails_from in (0, 3, units // 2):
        def failing_in_the_child(lo, hi):
            if os.getpid() != parent and lo >= fails_from:
                raise RuntimeError("the child fails")
            return render(lo, hi)

        got = b"".join(render_in_two((units, failing_in_the_child), minimum=0, segment=1))
        assert got == render_readobj_plain(sm).encode()
        assert _no_children()


def test_without_fork_one_process_renders(monkeypatch):
    sm, endian = max(_blobs(), key=lambda b: len(b[0].records))
    monkeypatch.delattr(os, "fork")
    got = b"".join(render_in_two(readobj_part(sm, endian), minimum=0))
    assert got == render_readobj_plain(sm).encode()


def _big_blob(tmp_path, records=400):
    blob = generate_blob(7, functions=(2, 4), records=(records, records), constants=(1, 5), locations=(0, 30))
    path = tmp_path / "big.bin"
    path.write_bytes(blob)
    return path, parse(blob)


@pytest.mark.parametrize("fmt", ["llvm-readobj", "text", "json"])
def test_dump_of_two_blobs_in_two_processes(tmp_path, monkeypatch, capsysbinary, fmt):
    a = generate_blob(3, functions=(1, 3), records=(40, 60), constants=(1, 3))
    b = generate_blob(4, functions=(1, 3), records=(40, 60), constants=(1, 3))
    path = tmp_path / "two.bin"
    path.write_bytes(a + b)
    monkeypatch.setattr(parallel, "MINIMUM", 10**9)
    assert main(["dump", str(path), "--format", fmt, "--raw"]) == 0
    one = capsysbinary.readouterr().out
    monkeypatch.setattr(parallel, "MINIMUM", 2)
    monkeypatch.setattr(parallel, "idle_core", lambda: True)
    for segment in (1, 7, 45):  # segments across the end of the first blob
        monkeypatch.setattr(parallel, "SEGMENT", segment)
        assert main(["dump", str(path), "--format", fmt, "--raw"]) == 0
        assert capsysbinary.readouterr().out == one, segment
        assert _no_children()
    if fmt == "llvm-readobj":
        assert one.decode() == render_readobj_plain(parse(a)) + render_readobj_plain(parse(b))


@pytest.mark.parametrize("fmt", ["llvm-readobj", "text", "json"])
def test_dump_in_two_processes_writes_the_same_file(tmp_path, monkeypatch, fmt):
    path, sm = _big_blob(tmp_path)
    out_one, out_two = tmp_path / "one", tmp_path / "two"
    forks = []
    real_fork = os.fork
    monkeypatch.setattr(os, "fork", lambda: forks.append(1) or real_fork())
    monkeypatch.setattr(parallel, "MINIMUM", 10**9)
    assert main(["dump", str(path), "--format", fmt, "-o", str(out_one)]) == 0
    monkeypatch.setattr(parallel, "MINIMUM", 2)
    monkeypatch.setattr(parallel, "SEGMENT", 37)
    monkeypatch.setattr(parallel, "idle_core", lambda: True)
    assert main(["dump", str(path), "--format", fmt, "-o", str(out_two)]) == 0
    assert out_two.read_bytes() == out_one.read_bytes()
    assert forks == [1]  # the second one forked, the first did not
    if fmt == "llvm-readobj":
        assert out_two.read_text() == render_readobj_plain(sm)
    assert _no_children()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.bin", "one", "two"]  # no partial file left


def test_dump_in_two_processes_into_a_pipe_closed_early(tmp_path):
    path, _ = _big_blob(tmp_path, records=3000)
    code = ("import sys; from stackmap_construct.render import parallel; parallel.MINIMUM = 2; parallel.SEGMENT = 50; "
            "parallel.idle_core = lambda: True; "
            "from stackmap_construct.cli.main import main; sys.exit(main())")
    for fmt in ("llvm-readobj", "text", "json"):
        proc = subprocess.Popen([sys.executable, "-c", code, "dump", str(path), "--format", fmt],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
        assert proc.stdout is not None and proc.stderr is not None
        head = [proc.stdout.readline() for _ in range(3)]
        proc.stdout.close()  # as `| head -3` does
        err = proc.stderr.read()
        assert proc.wait(timeout=60) in (0, 1)
        assert err == b""  # quiet: no traceback, no message
        assert head[0] in (b"LLVM StackMap Version: 3\n", b"{\n") or head[0].startswith(str(path).encode())


def test_a_busy_machine_renders_in_one_process(monkeypatch):
    from stackmap_construct import processes

    monkeypatch.delenv(processes.PROCESSES_VARIABLE, raising=False)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1})
    # What runs now decides, not the last minute's load (our own earlier runs among it).
    monkeypatch.setattr(processes, "running_now", lambda: 1)  # this process alone
    monkeypatch.setattr(os, "getloadavg", lambda: (1.9, 0.2, 0.2))
    assert parallel.idle_core()
    monkeypatch.setattr(processes, "running_now", lambda: 2)  # another one running
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert not parallel.idle_core()
    # ... only for a moment: read three times in all, idle if one of them says so
    for readings, idle in (([2, 1], True), ([2, 2, 1], True), ([2, 2, 2, 1], False), ([2, None], False)):
        left = list(readings)
        monkeypatch.setattr(processes, "running_now", lambda: left.pop(0))
        assert parallel.idle_core() is idle, readings
        assert len(left) == (1 if readings == [2, 2, 2, 1] else 0)
    # Where /proc/loadavg is not there: the load average.
    monkeypatch.setattr(processes, "running_now", lambda: None)
    assert parallel.idle_core()
    monkeypatch.setattr(os, "getloadavg", lambda: (1.9, 0.2, 0.2))
    assert not parallel.idle_core()
    sm, endian = max(_blobs(), key=lambda b: len(b[0].records))
    monkeypatch.setattr(parallel, "MINIMUM", 2)
    monkeypatch.setattr(os, "fork", lambda: pytest.fail("forked on a busy machine"))
    assert b"".join(render_in_two(readobj_part(sm, endian))) == render_readobj_plain(sm).encode()
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    monkeypatch.setattr(os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert not parallel.idle_core()  # one core


def test_children_reaped_by_the_system_are_no_error(monkeypatch):
    import signal

    sm, endian = max(_blobs(), key=lambda b: len(b[0].records))
    old = signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps children itself
    try:
        got = b"".join(render_in_two(readobj_part(sm, endian), minimum=0, segment=2))
    finally:
        signal.signal(signal.SIGCHLD, old)
    assert got == render_readobj_plain(sm).encode()


# -- the child's segments written straight to the output (ChildSegment) ---------

def _dump_in_two(path: str, fmt: str, extra=(), **run) -> subprocess.CompletedProcess:
    """``dump`` in two processes (forced, segments of 37 records) in a
    subprocess (``run``: subprocess.run's arguments, e.g. its stdout)."""
    code = ("import sys; from stackmap_construct.render import parallel; parallel.MINIMUM = 2; parallel.SEGMENT = 37; "
            "parallel.idle_core = lambda: True; "
            "from stackmap_construct.cli.main import console; console()")
    return subprocess.run([sys.executable, "-c", code, "dump", path, "--format", fmt, *extra], cwd=ROOT, **run)


@pytest.mark.parametrize("fmt", ["llvm-readobj", "json"])
def test_the_child_segments_reach_every_kind_of_output(tmp_path, fmt):
    """A regular file, one opened for appending (os.splice refuses it: read
    and written instead), a pipe and ``-o FILE``: the bytes of one process."""
    path, sm = _big_blob(tmp_path, records=600)
    want = subprocess.run([sys.executable, "-m", "stackmap_construct", "dump", str(path), "--format", fmt],
                          capture_output=True, env=dict(os.environ, STACKMAP_CONSTRUCT_PROCESSES="1"), cwd=ROOT).stdout
    assert len(want) > 100_000
    if fmt == "llvm-readobj":
        assert want.decode() == render_readobj_plain(sm)
    plain = tmp_path / "plain"
    with open(plain, "wb") as f:
        assert _dump_in_two(str(path), fmt, stdout=f).returncode == 0
    appended = tmp_path / "appended"
    appended.write_bytes(b"before\n")
    with open(appended, "ab") as f:
        assert _dump_in_two(str(path), fmt, stdout=f).returncode == 0
    out = tmp_path / "out"
    assert _dump_in_two(str(path), fmt, ["-o", str(out)], stdout=subprocess.DEVNULL).returncode == 0
    piped = _dump_in_two(str(path), fmt, capture_output=True)
    assert piped.returncode == 0
    assert plain.read_bytes() == want
    assert appended.read_bytes() == b"before\n" + want
    assert out.read_bytes() == want
    assert piped.stdout == want


def test_without_splice_the_child_segments_are_read_and_written(tmp_path, monkeypatch):
    from stackmap_construct.cli.output import write_output

    sm, endian = max(_blobs(), key=lambda b: len(b[0].records))
    monkeypatch.delattr(os, "splice", raising=False)
    out = tmp_path / "out"
    write_output(str(out), render_in_two(readobj_part(sm, endian), minimum=0, segment=1, spliced=True))
    assert out.read_text() == render_readobj_plain(sm)
    assert _no_children()


def _short_pipe(data: bytes, sent: int) -> int:
    """A pipe holding the first ``sent`` bytes of ``data``, its writing end
    closed (a child that died while writing a segment)."""
    r, w = os.pipe()
    os.write(w, data[:sent])
    os.close(w)
    return r


@pytest.mark.parametrize("sent", [0, 1, 1000, 4095])
def test_a_segment_cut_short_is_completed_from_its_own_rendering(tmp_path, sent):
    data = bytes(range(256)) * 16  # 4096 bytes
    redone = []

    def redo() -> bytes:
        redone.append(1)
        return data

    r = _short_pipe(data, sent)
    seg = parallel.ChildSegment(r, len(data), redo)
    with open(tmp_path / "out", "wb") as f:
        f.write(b"<")
        seg.write_into(f)
        f.write(b">")
    os.close(r)
    assert (tmp_path / "out").read_bytes() == b"<" + data + b">"
    assert seg.short and seg.done and redone == [1]
    r = _short_pipe(data, sent)
    seg = parallel.ChildSegment(r, len(data), redo)
    assert seg.read() == data and seg.short and seg.done
    os.close(r)


def test_a_whole_segment_is_taken_from_the_pipe_alone(tmp_path):
    data = b"x" * 5000 + b"y" * 5000
    r = _short_pipe(data + b"next segment", len(data) + 12)
    seg = parallel.ChildSegment(r, len(data), lambda: pytest.fail("rendered again"))
    with open(tmp_path / "out", "wb") as f:
        seg.write_into(f)
    assert (tmp_path / "out").read_bytes() == data and not seg.short
    assert os.read(r, 100) == b"next segment"  # what follows stays in the pipe
    os.close(r)


def test_a_child_segment_left_unwritten_is_an_error():
    sm, endian = max(_blobs(), key=lambda b: len(b[0].records))
    pieces = render_in_two(readobj_part(sm, endian), minimum=0, segment=1, spliced=True)
    with pytest.raises(RuntimeError, match="not written"):
        for piece in pieces:
            pass  # (never written)
    pieces.close()
    assert _no_children()


@pytest.mark.parametrize("limit", [1, 3, 7, 4096, 10**9])
def test_the_child_writes_every_piece_in_order_however_writev_cuts_them(monkeypatch, limit):
    """os.writev may write less than asked: the rest follows, in order."""
    pieces = [b"head....", b"", b"a" * 10, b"bc", bytes(range(256)) * 3] + [b"%d," % i for i in range(600)]
    r, w = os.pipe()
    real = os.writev
    calls = []

    def writev(fd, buffers):
        calls.append(len(buffers))
        assert len(buffers) <= 512
        joined = b"".join(buffers)[:limit]
        return real(fd, [joined])

    monkeypatch.setattr(os, "writev", writev)
    want = b"".join(pieces)
    got = bytearray()
    import threading

    def read() -> None:
        for chunk in iter(lambda: os.read(r, 65536), b""):
            got.extend(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    parallel._write_all(w, pieces)
    os.close(w)
    reader.join()
    os.close(r)
    assert bytes(got) == want
    if limit >= len(want):  # all of them in two calls: 512 pieces, then the rest
        assert calls == [512, len([p for p in pieces if p]) - 512]


def test_a_segment_goes_into_a_file_object_through_its_write(tmp_path):
    """A file object whose descriptor is not where its write() goes (a
    gzip.GzipFile's is the compressed file's): the segment is read and
    written through it, never spliced under it."""
    import gzip

    data = b"segment text\n" * 2000
    r = _short_pipe(data, len(data))
    seg = parallel.ChildSegment(r, len(data), lambda: pytest.fail("rendered again"))
    with gzip.open(tmp_path / "out.gz", "wb") as gz:
        gz.write(b"before\n")
        seg.write_into(gz)
    os.close(r)
    assert gzip.decompress((tmp_path / "out.gz").read_bytes()) == b"before\n" + data


def test_running_now_reads_the_fourth_field_of_proc_loadavg(monkeypatch, tmp_path):
    from stackmap_construct import processes

    if os.path.exists("/proc/loadavg"):
        assert processes.running_now() >= 1  # this test among them
    fake = tmp_path / "loadavg"
    fake.write_bytes(b"1.24 1.47 1.38 3/109 7512\n")
    real_open = open
    monkeypatch.setattr("builtins.open", lambda path, *a, **k: real_open(fake if path == "/proc/loadavg" else path, *a, **k))
    assert processes.running_now() == 3
    fake.write_bytes(b"garbage\n")
    assert processes.running_now() is None
