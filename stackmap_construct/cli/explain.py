"""``stackmap-construct explain PATH``: an annotated hex dump of every field."""

from __future__ import annotations

import argparse
import re
import struct
from typing import TYPE_CHECKING, Iterator

from ..errors import StackMapError, TrailingDataError
from ..format import parse_spans, view
from ..format.walk import walk, walk_record, walk_view
from ..render.explain import HEADER, ExplainRenderer, render_explain
from .arch import add_arch_option
from .common import add_input_options
from .inputs import explain_failure, open_container, warn_empty
from .output import write_output

if TYPE_CHECKING:
    from ..render.parallel import ChildSegment


_RANGE_FORM = "A:B, A: or :B (byte offsets, decimal or 0x-hex, B exclusive) or N (one byte)"


def _offset(text: str, whole: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {_RANGE_FORM}, got {whole!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"offsets are not negative, got {whole!r} (expected {_RANGE_FORM})")
    return value


def parse_range(text: str) -> tuple[int | None, int | None]:
    """``START:END``, ``START:`` or ``:END`` (decimal or 0x-hex), END exclusive;
    a single number means that one byte."""
    if ":" not in text:
        one = _offset(text, text)
        return one, one + 1
    lo, hi = text.split(":", 1)
    start, end = (_offset(lo, text) if lo else None, _offset(hi, text) if hi else None)
    if start is not None and end is not None and end <= start:
        raise argparse.ArgumentTypeError(f"the range {text!r} is empty: B must be greater than A")
    return start, end


def add_parser(sub) -> None:
    p = sub.add_parser("explain", help="annotated hex dump: every field with offset, bytes, path and value")
    p.add_argument("path", metavar="PATH", help="an object file (ELF, Mach-O, COFF or PE) or a raw stackmap blob ('-' for stdin)")
    p.add_argument("--range", metavar="A:B", type=parse_range,
                   help="only fields overlapping bytes A (inclusive) to B (exclusive) of the section; 0x-hex allowed")
    p.add_argument("--no-docs", dest="docs", action="store_false", help="leave out each field's doc line")
    add_input_options(p)
    add_arch_option(p, "register names")
    p.add_argument("-o", "--output", metavar="OUT", help="write to OUT instead of stdout (atomically)")
    p.set_defaults(run=run, explain_parser=p)


def _section_lines(section, start: int | None, end: int | None, arch: str | None,
                   docs: bool) -> Iterator[str | bytes | ChildSegment]:
    """The lines of a section: from the columnar view when every blob
    parses (with a range, only the blocks near it), else the walk of the
    definition, which shows every field up to the error, then raises it."""
    try:
        spans = parse_spans(section.data, endian=section.endian)
    except StackMapError as e:
        yield from _broken_lines(section, e, start, end, arch, docs)
        return
    views = (view(span.stackmap, endian=section.endian) for span in spans)
    if start is None and end is None:
        yield HEADER + "\n"
        for k, v in enumerate(views):
            renderer = ExplainRenderer(v, prefix=f"#{k}" if k else "", arch=arch, docs=docs)
            yield renderer.head()
            yield from _records_by_two(renderer, v.end - v.start)
        return

    def events():
        for k, v in enumerate(views):
            yield from walk_view(v, start=start, end=end, prefix=f"#{k}" if k else "")

    for line in render_explain(events(), start=start, end=end, arch=arch, docs=docs):
        yield line + "\n"


_RECORD = re.compile(r"records\[(\d+)\]")


def _valid_records(data: bytes, endian: str, count: int):
    """The view of the first blob of ``data`` cut after its first ``count``
    records (its record count set to ``count``), or None when those do not
    parse.  The records keep their offsets: they are the same bytes."""
    from ..format import parse
    from ..format.fast.plan import plan as layout

    the_plan = layout(endian)
    records = the_plan.records
    leaf = the_plan.header.leaf(records.count_field)
    def patched(end: int | None) -> bytes:
        return b"".join((data[:leaf.offset], struct.pack(leaf.fmt, count), data[leaf.offset + leaf.size:end]))

    try:
        parse(patched(None), endian=endian)
        return None  # (the records after the count are no more: not reached for a broken blob)
    except TrailingDataError as e:  # the blob ends where record ``count`` starts
        end = e.offset
    except StackMapError:
        return None
    if end is None:
        return None
    return view(parse(patched(end), endian=endian), endian=endian)


def _broken_lines(section, error: StackMapError, start: int | None, end: int | None, arch: str | None,
                  docs: bool) -> Iterator[str | bytes | ChildSegment]:
    """The lines of a section that does not parse: every field up to the
    error, then the error raised.  When the first blob breaks in record
    ``k > 0``, its header, functions and constants are walked, records 0 to
    ``k - 1`` come from the columns of the blob cut before record ``k``
    (the same bytes at the same offsets), and record ``k`` is walked up to
    its failing field: the lines of the walk of the whole, without walking
    the records before it.  Anything else: the walk of the whole."""
    data, endian = section.data, section.endian
    found = _RECORD.match(error.path or "") if not getattr(error, "blob_index", 0) else None
    v = _valid_records(data, endian, int(found.group(1))) if found and int(found.group(1)) > 0 else None
    if v is None:
        for line in render_explain(walk(data, endian=endian), start=start, end=end, arch=arch, docs=docs):
            yield line + "\n"
        return
    k = v.record_count
    first_record = v.start + v.record_offsets[0]
    record_k = v.start + v.record_ends[k - 1]

    def head() -> Iterator:
        for event in walk(data, endian=endian):
            if event.offset >= first_record:
                return
            yield event

    if start is None and end is None:
        yield "".join(line + "\n" for line in render_explain(head(), arch=arch, docs=docs))
        renderer = ExplainRenderer(v, arch=arch, docs=docs)
        yield from _records_by_two(renderer, v.end - v.start)
        tail = render_explain(walk_record(data, k, record_k, endian=endian), arch=arch, docs=docs)
        next(tail)  # (the header line)
        yield "".join(line + "\n" for line in tail)
    else:
        def events() -> Iterator:
            yield from head()
            yield from walk_view(v, start=max(start or 0, first_record), end=end)
            yield from walk_record(data, k, record_k, endian=endian)

        for line in render_explain(events(), start=start, end=end, arch=arch, docs=docs):
            yield line + "\n"
    raise error


#: a blob smaller than this is explained by one process
TWO_WORKERS_FROM = 1 << 20
#: bytes of output per stripe of records (about 70 bytes of output per byte of blob)
STRIPE_OUTPUT = 1 << 21


def _records_by_two(renderer: ExplainRenderer, blob_size: int) -> Iterator[bytes | ChildSegment]:
    """The records' lines, in order; from a blob of :data:`TWO_WORKERS_FROM`
    bytes on, rendered by this process and a forked one in alternate
    stripes of about :data:`STRIPE_OUTPUT` bytes of output when a second
    core is idle (:func:`~stackmap_construct.render.parallel.render_in_two`,
    which dump uses too: the same bytes either way)."""
    n = renderer.record_count
    if blob_size < TWO_WORKERS_FROM:
        return renderer.records(0, n)
    from ..render.parallel import render_in_two

    per = max(1, STRIPE_OUTPUT // (70 * max(1, blob_size // max(n, 1))))
    return render_in_two((n, renderer.records), minimum=2, segment=per, when_idle=True, spliced=True)


def run(args, read) -> int:
    container = open_container(read(args.path), args)
    start, end = args.range or (None, None)
    longest = max((len(s.data) for s in container.sections), default=0)
    if start is not None and start >= longest:
        args.explain_parser.error(f"--range starts at {start}, past the end of the section ({longest} bytes)")
    failures: list[StackMapError] = []

    def lines() -> Iterator[str | bytes | ChildSegment]:
        # Streamed: a 50 MB section explains into gigabytes of text.
        for section in container.sections:
            where = f" at file offset 0x{section.file_offset:x}" if section.file_offset else ""
            yield (f"section {section.name}{where}, {len(section.data)} bytes, {section.endian}-endian;"
                   " offsets below are from the section start\n")
            if not section.data:
                warn_empty(section, args.path)
                continue
            try:
                yield from _section_lines(section, start, end, args.arch or container.arch, args.docs)
            except StackMapError as e:
                explain_failure(e, container, section, args, raw_note=False)  # the section line says "raw"
                # Everything up to the broken field is shown, then the error.
                yield f"error: {e.describe()}\n"
                failures.append(e)
        if failures and args.output not in (None, "-"):
            # An output file is written only for a complete explanation
            # (raising here discards it): the fields up to the error go to
            # the terminal, never into a file that would look whole.
            raise failures[0]

    write_output(args.output, lines())  # (a text-only stdout gets the chunks as text)
    if failures:
        raise failures[0]
    return 0
