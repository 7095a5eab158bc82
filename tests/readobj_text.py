"""An independent reader of ``llvm-readobj --stackmap`` text, so LLVM's own
output (the golden files) can be compared with our parse value by value.
Written from the printed format, sharing no code with the library."""

from __future__ import annotations

import re

_FUNCTION = re.compile(r"  Function address: (\d+), stack size: (\d+), callsite record count: (\d+)")
_CONSTANT = re.compile(r"  #(\d+): (\d+)")
_RECORD = re.compile(r"  Record ID: (\d+), instruction offset: (\d+)")
_NUM_LOCATIONS = re.compile(r"    (\d+) locations:")
_LOCATION = re.compile(
    r"      #(\d+): (?:"
    r"Register R#(?P<reg>\d+)"
    r"|Direct R#(?P<dreg>\d+) \+ (?P<doff>-?\d+)"
    r"|Indirect \[R#(?P<ireg>\d+) \+ (?P<ioff>-?\d+)\]"
    r"|Constant (?P<const>\d+)"
    r"|ConstantIndex #(?P<cidx>\d+) \((?P<cval>\d+)\)"
    r"), size: (?P<size>\d+)"
)
_LIVE_OUTS = re.compile(r"    (\d+) live-outs: \[ ((?:R#\d+ \(\d+-bytes\) )*)\]")
_LIVE_OUT = re.compile(r"R#(\d+) \((\d+)-bytes\)")


def read_readobj_stackmap(text: str) -> dict:
    """The values printed in one ``LLVM StackMap Version`` block."""
    lines = text[text.index("LLVM StackMap Version:"):].splitlines()
    it = iter(lines)
    out = {"version": int(next(it).split(": ")[1]), "functions": [], "constants": [], "records": []}
    section = None
    for line in it:
        if line.startswith("Num Functions:"):
            section, expect = "functions", int(line.split(": ")[1])
            out["num_functions"] = expect
        elif line.startswith("Num Constants:"):
            section = "constants"
            out["num_constants"] = int(line.split(": ")[1])
        elif line.startswith("Num Records:"):
            section = "records"
            out["num_records"] = int(line.split(": ")[1])
        elif section == "functions" and (m := _FUNCTION.fullmatch(line)):
            out["functions"].append(tuple(map(int, m.groups())))
        elif section == "constants" and (m := _CONSTANT.fullmatch(line)):
            assert int(m[1]) == len(out["constants"]) + 1
            out["constants"].append(int(m[2]))
        elif section == "records" and (m := _RECORD.fullmatch(line)):
            out["records"].append({"id": int(m[1]), "offset": int(m[2]), "locations": [], "live_outs": None})
        elif section == "records" and (m := _NUM_LOCATIONS.fullmatch(line)):
            out["records"][-1]["num_locations"] = int(m[1])
        elif section == "records" and (m := _LOCATION.fullmatch(line)):
            size = int(m["size"])
            if m["reg"] is not None:
                loc = ("Register", int(m["reg"]), None, size)
            elif m["dreg"] is not None:
                loc = ("Direct", int(m["dreg"]), int(m["doff"]), size)
            elif m["ireg"] is not None:
                loc = ("Indirect", int(m["ireg"]), int(m["ioff"]), size)
            elif m["const"] is not None:
                loc = ("Constant", None, int(m["const"]), size)
            else:
                loc = ("ConstantIndex", None, (int(m["cidx"]), int(m["cval"])), size)
            out["records"][-1]["locations"].append(loc)
        elif section == "records" and (m := _LIVE_OUTS.fullmatch(line)):
            lives = [tuple(map(int, x)) for x in _LIVE_OUT.findall(m[2])]
            assert len(lives) == int(m[1])
            out["records"][-1]["live_outs"] = lives
        else:
            raise ValueError(f"unrecognised llvm-readobj line: {line!r}")
    return out
