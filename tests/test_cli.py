"""The command line: formats, exit codes, one-line errors, atomic output."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from test_format_bytes import EVEN, ODD
from stackmap_construct.cli.main import main


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    """The real console entry point in a subprocess (no in-process shortcuts)."""
    return subprocess.run([sys.executable, "-m", "stackmap_construct", *args], input=stdin, capture_output=True)


@pytest.fixture
def blob(tmp_path):
    path = tmp_path / "odd.bin"
    path.write_bytes(ODD)
    return path


def test_raw_blob_is_detected_and_dumped_as_readobj(blob, capsys):
    assert main(["dump", str(blob), "--format", "llvm-readobj"]) == 0
    assert capsys.readouterr().out == (
        "LLVM StackMap Version: 3\n"
        "Num Functions: 1\n"
        "  Function address: 4096, stack size: 16, callsite record count: 1\n"
        "Num Constants: 1\n"
        "  #1: 72057594037927978\n"
        "Num Records: 1\n"
        "  Record ID: 7, instruction offset: 32\n"
        "    1 locations:\n"
        "      #1: Register R#6, size: 8\n"
        "    1 live-outs: [ R#3 (8-bytes) ]\n"
    )


def test_readobj_format_of_signed_offsets_and_constants(tmp_path, capsys):
    path = tmp_path / "even.bin"
    path.write_bytes(EVEN)
    assert main(["dump", str(path), "--raw", "--format", "llvm-readobj"]) == 0
    out = capsys.readouterr().out
    assert "      #1: Direct R#7 + -16, size: 8\n" in out
    assert "      #2: Constant 4294967295, size: 4\n" in out
    assert "    0 live-outs: [ ]\n" in out
    assert "  Record ID: 18446744073709551615, instruction offset: 4294967295\n" in out


def test_text_format_adds_names_and_signs(tmp_path, capsys):
    path = tmp_path / "even.bin"
    path.write_bytes(EVEN)
    assert main(["dump", str(path)]) == 0
    out = capsys.readouterr().out
    assert "Direct R#7 - 16, size 8" in out  # no arch for a raw blob: no names
    assert "Constant -1, size 4" in out
    assert "records not covered by any function's record count (1)" in out


def test_json_format_has_plain_data_form_and_endian(tmp_path, capsys):
    path = tmp_path / "both.bin"
    path.write_bytes(ODD + EVEN)
    assert main(["dump", str(path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [sm["endian"] for sm in doc["stackmaps"]] == ["little", "little"]
    first = doc["stackmaps"][0]
    assert set(first) == {"version", "functions", "constants", "records", "endian"}
    assert first["functions"] == [{"address": 4096, "stack_size": 16, "record_count": 1, "symbol": None, "entry": 4096}]
    assert first["constants"] == [0x010000000000002A]
    assert first["records"][0] == {
        "patchpoint_id": 7,
        "instruction_offset": 32,
        "address": 4096 + 32,
        "locations": [{"kind": "Register", "size": 8, "dwarf_regnum": 6, "offset_or_small_constant": 0}],
        "live_outs": [{"dwarf_regnum": 3, "size": 8}],
    }
    assert doc["stackmaps"][1]["records"][0]["patchpoint_id"] == 2**64 - 1


def test_big_endian_raw_blob_byte_order_is_detected(tmp_path):
    from stackmap_construct import build, parse
    path = tmp_path / "big.bin"
    path.write_bytes(build(parse(ODD), endian="big"))
    for extra in ([], ["--endian", "big"]):
        ok = run_cli("dump", str(path), "--raw", *extra, "--format", "json")
        assert ok.returncode == 0
        assert json.loads(ok.stdout)["stackmaps"][0]["endian"] == "big"
    # The wrong order, given: refused, and the right one named.
    bad = run_cli("dump", str(path), "--raw", "--endian", "little")
    assert bad.returncode == 1
    assert bad.stderr.endswith(b"(read as little-endian, as given; it parses as big-endian: use --endian big) "
                               b"[at functions[3].address, offset 88 (0x58)]\n")


def test_stdin(tmp_path):
    res = run_cli("dump", "-", "--format", "llvm-readobj", stdin=ODD)
    assert res.returncode == 0
    assert res.stdout.startswith(b"LLVM StackMap Version: 3\n")


@pytest.mark.parametrize(
    "data,needle",
    [
        (ODD[:0x20], b"data ends at offset 32 (0x20): field needs 8 bytes, only 0 left "
                     b"(num_functions = 1: 1 items of 24 bytes from offset 16)"),
        (bytes([2]) + ODD[1:], b"stackmap version must be 3, found 2 (not an object file, so it was read as a raw stackmap blob) [at version, offset 0 (0x0)]"),
        (ODD[:0x41] + b"\x01" + ODD[0x42:], b"[at records[0].locations[0].reserved, offset 65 (0x41)]"),
        (ODD + b"\x00" * 3, b"3 bytes after the end of stackmap #0 do not start another stackmap"),
    ],
)
def test_bad_input_is_one_line_exit_1(tmp_path, data, needle):
    path = tmp_path / "bad.bin"
    path.write_bytes(data)
    res = run_cli("dump", str(path))
    assert res.returncode == 1
    assert res.stdout == b""
    lines = res.stderr.decode().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith(f"stackmap-construct: error: {path}: ")
    assert needle in res.stderr


def test_missing_file_is_exit_1(tmp_path):
    res = run_cli("dump", str(tmp_path / "nope.o"))
    assert res.returncode == 1
    assert res.stderr.decode().count("\n") == 1
    assert "No such file" in res.stderr.decode()


@pytest.mark.parametrize("args", [[], ["dump"], ["dump", "x", "--format", "yaml"], ["frobnicate"]])
def test_usage_errors_exit_2(args):
    res = run_cli(*args)
    assert res.returncode == 2
    assert b"Traceback" not in res.stderr


def test_elf_without_stackmaps_says_so(tmp_path):
    # The Python interpreter is an ELF executable without a stackmap section.
    res = run_cli("dump", os.path.realpath(sys.executable))
    assert res.returncode == 1
    err = res.stderr.decode()
    assert "no .llvm_stackmaps section" in err and "--gc-sections" in err


def test_output_file_is_written_atomically(tmp_path, blob):
    out = tmp_path / "out.txt"
    assert main(["dump", str(blob), "--format", "llvm-readobj", "-o", str(out)]) == 0
    assert out.read_text().startswith("LLVM StackMap Version: 3\n")
    # A failing run leaves the previous output untouched and no temp files.
    bad = tmp_path / "bad.bin"
    bad.write_bytes(ODD[:10])
    before = out.read_bytes()
    assert main(["dump", str(bad), "-o", str(out)]) == 1
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.bin", "odd.bin", "out.txt"]


def test_quick_start_sample_matches_llvm_readobj(capsys):
    """examples/sample.o is README's quick-start sample; its golden is LLVM's."""
    examples = os.path.join(os.path.dirname(__file__), "..", "examples")
    golden = open(os.path.join(examples, "sample.readobj.txt")).read()
    assert main(["dump", os.path.join(examples, "sample.o"), "--format", "llvm-readobj"]) == 0
    assert capsys.readouterr().out == golden[golden.index("LLVM StackMap Version:"):]
    assert main(["dump", os.path.join(examples, "sample.o")]) == 0
    text = capsys.readouterr().out
    assert "Indirect [R#6 (rbp) - 24], size 8" in text
    assert "live-outs: R#0 (rax) 8 bytes, R#5 (rdi) 8 bytes, R#7 (rsp) 8 bytes" in text


def test_progress_only_on_a_terminal_and_only_when_long(monkeypatch):
    import io

    from stackmap_construct.cli import output

    class Tty(io.StringIO):
        def isatty(self):
            return True

    def slow():
        import time

        for i in range(3):
            time.sleep(0.02)
            yield b"x" * 10

    monkeypatch.setattr(output._Progress, "DELAY", 0.01)
    tty = Tty()
    assert b"".join(output._Progress(slow(), tty)) == b"x" * 30
    assert "MB written" in tty.getvalue() and tty.getvalue().endswith("\r\033[K")
    plain = io.StringIO()
    assert b"".join(output._Progress(slow(), plain)) == b"x" * 30
    assert plain.getvalue() == ""
    monkeypatch.setattr(output._Progress, "DELAY", 60)
    quick = Tty()
    assert b"".join(output._Progress(slow(), quick)) == b"x" * 30
    assert quick.getvalue() == ""


def test_activity_progress_only_on_a_terminal_and_only_when_long(monkeypatch):
    import io
    import time

    from stackmap_construct.cli import output

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(output._Progress, "DELAY", 0.01)
    tty = Tty()
    with output.Activity("validating stackmap 1 of 1", tty) as activity:
        time.sleep(0.1)
        activity.set("validating stackmap 2 of 2")
        time.sleep(1.1)
    text = tty.getvalue()
    assert "stackmap-construct: validating stackmap 1 of 1, 0 s" in text
    assert "stackmap-construct: validating stackmap 2 of 2, 1 s" in text
    assert text.endswith("\r\033[K")
    plain = io.StringIO()
    with output.Activity("validating", plain):
        time.sleep(0.05)
    assert plain.getvalue() == ""
    monkeypatch.setattr(output._Progress, "DELAY", 60)
    quick = Tty()
    with output.Activity("validating", quick):
        time.sleep(0.05)
    assert quick.getvalue() == ""


@pytest.mark.parametrize("command", ["validate", "diff"])
def test_validate_and_diff_show_progress_on_a_terminal(monkeypatch, capsys, command):
    """A slow validate or diff shows what it is doing on a terminal's
    stderr, wipes it, and prints the same report as without a terminal."""
    import io
    import time

    import stackmap_construct.diff
    import stackmap_construct.validate
    from stackmap_construct.cli import diff as cli_diff, output

    sample = os.path.join(os.path.dirname(__file__), "..", "examples", "sample.o")
    args = [command, sample] + ([sample] if command == "diff" else [])
    assert main(args) == 0
    quiet = capsys.readouterr()
    assert quiet.err == ""

    class Tty(io.StringIO):
        def isatty(self):
            return True

    def slowly(f):
        def run(*a, **k):
            time.sleep(0.3)
            return f(*a, **k)
        return run

    monkeypatch.setattr(stackmap_construct.validate, "validate", slowly(stackmap_construct.validate.validate))
    monkeypatch.setattr(cli_diff, "diff_stackmaps", slowly(cli_diff.diff_stackmaps))
    monkeypatch.setattr(output._Progress, "DELAY", 0.05)
    tty = Tty()
    monkeypatch.setattr(sys, "stderr", tty)
    assert main(args) == 0
    assert capsys.readouterr().out == quiet.out
    word = "validating" if command == "validate" else "comparing"
    assert f"stackmap-construct: {word} stackmap 1 of 1 (" in tty.getvalue()
    assert tty.getvalue().endswith("\r\033[K")


# -- the console entry (the script's) ---------------------------------------------
# It ends the process with os._exit once stdout and stderr are flushed; what
# reaches the reader and the exit status must be exactly what main() gives.

CONSOLE = "from stackmap_construct.cli.main import console; console()"


def run_console(*args: str, **run) -> subprocess.CompletedProcess:
    """The console script's entry in a subprocess (as pip's script calls it)."""
    run.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-c", CONSOLE, *args], **run)


def test_console_entry_prints_everything_main_prints(capsys):
    sample = os.path.join(os.path.dirname(__file__), "..", "examples", "sample.o")
    for fmt in ("text", "llvm-readobj", "json"):
        assert main(["dump", sample, "--format", fmt]) == 0
        expected = capsys.readouterr().out.encode()
        got = run_console("dump", sample, "--format", fmt)
        assert got.returncode == 0 and got.stderr == b""
        assert got.stdout == expected and len(expected) > 500


def test_console_entry_keeps_the_exit_status_and_the_error_line(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x02\x00\x00\x00")  # version 2
    got = run_console("dump", str(bad))
    assert got.returncode == 1 and got.stdout == b""
    assert got.stderr.decode().count("\n") == 1 and "version must be 3, found 2" in got.stderr.decode()
    assert run_console("dump").returncode == 2  # usage (argparse's SystemExit passes through)
    assert run_console("--version").returncode == 0


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_on_stdout_is_one_line_naming_stdout():
    sample = os.path.join(os.path.dirname(__file__), "..", "examples", "sample.o")
    for entry in (["-c", CONSOLE], ["-m", "stackmap_construct"]):  # the script's, python -m's
        with open("/dev/full", "wb") as full:
            got = subprocess.run([sys.executable, *entry, "dump", sample], stdout=full, stderr=subprocess.PIPE)
        assert got.returncode == 1
        assert got.stderr.decode().splitlines() == ["stackmap-construct: error: <stdout>: No space left on device"]


def test_console_entry_flushes_what_main_left_buffered():
    """main() returns with output still in sys.stdout's buffer (print
    without a flush): the console entry flushes it before ending."""
    code = ("import sys; import stackmap_construct.cli.main as m\n"
            "sys.stdout = open(1, 'w', closefd=False)  # buffered, whatever PYTHONUNBUFFERED says\n"
            "m.main = lambda: (print('left in the buffer', end=''), sys.stderr.write('and on stderr'), 5)[2]\n"
            "m.console()\n")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert (got.returncode, got.stdout, got.stderr) == (5, b"left in the buffer", b"and on stderr")


def test_console_entry_a_flush_into_a_closed_pipe_is_quiet_exit_1():
    """The reader goes away while the output waits in the buffer: exit 1,
    nothing on stderr (as main() answers a closed pipe)."""
    code = ("import sys, time; import stackmap_construct.cli.main as m\n"
            "sys.stdout = open(1, 'w', closefd=False)  # buffered, whatever PYTHONUNBUFFERED says\n"
            "m.main = lambda: (print('x' * 100, end=''), time.sleep(0.5), 0)[2]\n"
            "m.console()\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdout.close()  # before the child flushes
    err = p.stderr.read()
    assert (p.wait(), err) == (1, b"")


@pytest.mark.parametrize("closed", ["1", "2", "1,2"])
def test_console_entry_with_stdout_or_stderr_closed_at_start(tmp_path, closed):
    """Started with descriptor 1 and/or 2 closed (``>&-``, ``2>&-``):
    sys.stdout or sys.stderr is None; a dump into a file still succeeds."""
    sample = os.path.join(os.path.dirname(__file__), "..", "examples", "sample.o")
    out = tmp_path / "out.txt"
    fds = [int(fd) for fd in closed.split(",")]
    script = (f"import os\nfor fd in {fds}: os.close(fd)\n"
              f"os.execv({sys.executable!r}, [{sys.executable!r}, '-c', {CONSOLE!r}, 'dump', {sample!r}, '-o', {str(out)!r}])\n")
    got = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert got.returncode == 0
    assert out.read_text().startswith(f"{sample}: ELF64 relocatable")


def test_a_dump_to_a_closed_stdout_is_one_line():
    sample = os.path.join(os.path.dirname(__file__), "..", "examples", "sample.o")
    script = (f"import os\nos.close(1)\n"
              f"os.execv({sys.executable!r}, [{sys.executable!r}, '-c', {CONSOLE!r}, 'dump', {sample!r}])\n")
    got = subprocess.run([sys.executable, "-c", script], capture_output=True)
    assert got.returncode == 1
    assert got.stderr.decode().splitlines() == ["stackmap-construct: error: <stdout>: Bad file descriptor"]


def test_console_entry_returns_under_a_profiler(tmp_path):
    """Under cProfile (which prints its report at exit) the status is
    returned to the script's sys.exit, and the report comes."""
    sample = os.path.join(os.path.dirname(__file__), "..", "examples", "sample.o")
    script = tmp_path / "stackmap-construct"
    script.write_text("import sys\nfrom stackmap_construct.cli.main import console\nsys.exit(console())\n")
    got = subprocess.run([sys.executable, "-m", "cProfile", "-s", "tottime", str(script), "dump", sample,
                          "-o", str(tmp_path / "out.txt")], capture_output=True, text=True)
    assert got.returncode == 0
    assert "function calls" in got.stdout  # the profile's report


def test_python_m_returns_to_a_program_that_runs_it(tmp_path):
    """``python -m stackmap_construct`` run by runpy inside another program
    raises SystemExit there, as any module does: that program goes on."""
    sample = os.path.join(os.path.dirname(__file__), "..", "examples", "sample.o")
    code = ("import runpy, sys\n"
            f"sys.argv = ['stackmap_construct', 'dump', {sample!r}, '-o', {str(tmp_path / 'out.txt')!r}]\n"
            "try:\n    runpy.run_module('stackmap_construct', run_name='__main__')\n"
            "except SystemExit as e:\n    print('host goes on, status', e.code)\n")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert got.stdout == "host goes on, status 0\n"
