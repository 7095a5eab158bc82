"""``-o`` to odd places: what happens to the file, its mode, its links, a
FIFO, a device, a symlink, a directory, a path that cannot be, and what is
left after a failure (issue 11, "Output files")."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading

import pytest

from stackmap_construct.cli.main import main
from stackmap_construct.cli.output import write_output

EXAMPLES = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
SAMPLE = os.path.join(EXAMPLES, "sample.o")


def readobj_text() -> str:
    golden = open(os.path.join(EXAMPLES, "sample.readobj.txt")).read()
    return golden[golden.index("LLVM StackMap Version:"):]


def dump(out, *extra: str) -> int:
    return main(["dump", SAMPLE, "--format", "llvm-readobj", "-o", str(out), *extra])


@pytest.fixture
def broken(tmp_path):
    """examples/sample.o's blob with records[0].reserved (offset 84) set to 1."""
    from stackmap_construct.containers import read_container

    blob = bytearray(read_container(open(SAMPLE, "rb").read()).sections[0].data)
    blob[84] = 1
    path = tmp_path / "broken.bin"
    path.write_bytes(bytes(blob))
    return path


@pytest.fixture
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def test_new_file_gets_the_umask_mode(tmp_path, umask_027):
    out = tmp_path / "new.txt"
    assert dump(out) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text() == readobj_text()


def test_existing_file_keeps_its_mode(tmp_path):
    out = tmp_path / "old.txt"
    out.write_text("old\n")
    out.chmod(0o604)
    assert dump(out) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o604
    assert out.read_text() == readobj_text()


def test_hard_links_keep_seeing_the_file(tmp_path):
    out, other = tmp_path / "a.txt", tmp_path / "b.txt"
    out.write_text("old\n")
    os.link(out, other)
    assert dump(out) == 0
    assert out.stat().st_nlink == 2 and out.stat().st_ino == other.stat().st_ino
    assert other.read_text() == readobj_text()


def test_a_symlink_target_is_written_and_the_link_stays(tmp_path):
    target, link = tmp_path / "target.txt", tmp_path / "link.txt"
    target.write_text("old\n")
    target.chmod(0o640)
    link.symlink_to(target.name)
    assert dump(link) == 0
    assert link.is_symlink() and os.readlink(link) == "target.txt"
    assert target.read_text() == readobj_text()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    # a dangling link: its target is created
    dangling = tmp_path / "dangling.txt"
    dangling.symlink_to("made.txt")
    assert dump(dangling) == 0
    assert dangling.is_symlink() and (tmp_path / "made.txt").read_text() == readobj_text()


def test_a_fifo_reader_gets_every_byte(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    assert dump(fifo) == 0
    reader.join(10)
    assert got == [readobj_text().encode()]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fifo"]


def test_devices_are_written_through(capsys):
    if not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("/dev/null is not a device on this machine (something replaced it)")
    assert dump("/dev/null") == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    if os.path.exists("/dev/full"):
        assert dump("/dev/full") == 1
        assert capsys.readouterr().err == "stackmap-construct: error: /dev/full: No space left on device\n"
        assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_errors_name_the_path_the_user_gave(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert dump("nodir/x.txt") == 1
    assert capsys.readouterr().err == "stackmap-construct: error: nodir/x.txt: No such file or directory\n"
    os.mkdir("adir")
    assert dump("adir") == 1
    assert capsys.readouterr().err == "stackmap-construct: error: adir: Is a directory\n"
    assert os.listdir("adir") == []


def test_read_only_directory(tmp_path, capsys, monkeypatch):
    """No file can be created there: a new path is an error naming it; an
    existing writable file is rewritten in place (staged elsewhere first).
    As root, permissions do not stop anything, so the denial is simulated."""
    ro = tmp_path / "ro"
    ro.mkdir()
    existing = ro / "existing.txt"
    existing.write_text("old\n")
    ro.chmod(0o555)
    if os.geteuid() == 0:
        real_access = os.access
        monkeypatch.setattr(os, "access", lambda p, m: False if os.fspath(p) == str(ro) else real_access(p, m))
        import tempfile

        real_mkstemp = tempfile.mkstemp

        def mkstemp(*a, dir=None, **kw):
            if dir == str(ro):
                raise PermissionError(13, "Permission denied", os.path.join(dir, ".stackmap-x"))
            return real_mkstemp(*a, dir=dir, **kw)

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    try:
        assert dump(ro / "new.txt") == 1
        assert capsys.readouterr().err == f"stackmap-construct: error: {ro / 'new.txt'}: Permission denied\n"
        ino = existing.stat().st_ino
        assert dump(existing) == 0
        assert existing.read_text() == readobj_text() and existing.stat().st_ino == ino
        assert sorted(os.listdir(ro)) == ["existing.txt"]
    finally:
        ro.chmod(0o755)


def test_a_failure_keeps_the_old_file_for_every_command(tmp_path, broken, capsys):
    out = tmp_path / "out.txt"
    for argv in (["dump", str(broken)], ["explain", str(broken)], ["validate", str(broken)],
                 ["diff", str(broken), SAMPLE]):
        out.write_text("previous\n")
        assert main([*argv, "-o", str(out)]) == 1, argv
        assert out.read_text() == "previous\n", argv
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "must be 0, found 1" in err and "[at records[0].reserved, offset 84 (0x54)]" in err, (argv, err)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.bin", "out.txt"]
    # No file at all when there was none.
    assert main(["explain", str(broken), "-o", str(tmp_path / "none.txt")]) == 1
    assert not (tmp_path / "none.txt").exists()
    # On the terminal, explain still shows every field up to the error.
    assert main(["explain", str(broken)]) == 1
    captured = capsys.readouterr()
    assert "records[0].instruction_offset" in captured.out and "records[0].reserved" in captured.err


def test_a_failure_while_writing_leaves_no_partial_file(tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("previous\n")

    def pieces():
        yield "first half\n"
        raise RuntimeError("renderer broke")

    with pytest.raises(RuntimeError):
        write_output(str(out), pieces())
    assert out.read_text() == "previous\n"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_a_closed_pipe_ends_quietly(tmp_path):
    # dump of a large JSON (far more than a pipe holds), read by a reader
    # that stops after one byte
    from stackmap_construct import build
    from stackmap_construct.generate.seeded import generate

    big = tmp_path / "big.bin"
    big.write_bytes(build(generate(1, functions=4, records=4000)))
    proc = subprocess.Popen(
        [sys.executable, "-m", "stackmap_construct", "dump", str(big), "--format", "json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    proc.stdout.read(1)
    proc.stdout.close()
    _, err = proc.communicate(timeout=30)
    assert err == b"" and proc.returncode == 1  # quiet; 1: the output was not all delivered


class _Pieces:
    """An iterator of 64 KB pieces with a close() (as a renderer with a
    forked helper has), which says whether it ran to its end and was closed."""

    def __init__(self, n: int):
        self.left, self.closed = n, False

    def __iter__(self):
        return self

    def __next__(self) -> bytes:
        if self.left == 0:
            raise StopIteration
        self.left -= 1
        return b"x" * (1 << 16)

    def close(self) -> None:
        self.closed = True


def test_the_pieces_are_closed_however_the_writing_ends(tmp_path):
    """write_output closes the iterator it is given when the writing ends:
    complete, or stopped early by a failing device (/dev/full), where the
    producer would otherwise wait."""
    if os.path.exists("/dev/full"):
        failing = _Pieces(1000)
        with pytest.raises(OSError):
            write_output("/dev/full", failing)
        assert failing.closed and failing.left > 0  # stopped early, and closed
    done = _Pieces(3)
    write_output(str(tmp_path / "out"), done)
    assert done.closed and done.left == 0
    assert (tmp_path / "out").stat().st_size == 3 << 16
    write_output(str(tmp_path / "out2"), iter([b"y"]))  # an iterator without close() is fine
    assert (tmp_path / "out2").read_bytes() == b"y"
