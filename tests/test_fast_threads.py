"""The fast path's kept byte-swapped copy belongs to one thread: a thread
parsing another big-endian buffer neither replaces it nor is handed it."""

from __future__ import annotations

import sys
import threading

from stackmap_construct import build, parse_all
from stackmap_construct.format.fast.codegen import forget_words, native_words
from stackmap_construct.generate import generate_blob

FOREIGN = "big" if sys.byteorder == "little" else "little"


def test_kept_copy_is_per_thread():
    a, b = bytes(range(64)), bytes(range(64, 128))
    first = native_words(a, FOREIGN)
    seen = []
    other = threading.Thread(target=lambda: seen.append(native_words(b, FOREIGN)))
    other.start()
    other.join()
    # The other thread made its own copy of its own buffer ...
    assert seen[0].tolist() != first.tolist()
    # ... and this thread's copy of ``a`` is still the one it keeps.
    assert native_words(a, FOREIGN) is first
    forget_words()
    assert native_words(a, FOREIGN) is not first


def test_threads_parse_foreign_order_buffers_alike():
    # Two blobs back to back in each buffer: the copy is kept between them.
    buffers = [generate_blob(s, endian=FOREIGN) + generate_blob(s + 1, endian=FOREIGN) for s in (3, 11)]
    expected = [[build(sm, endian=FOREIGN) for sm in parse_all(buf, endian=FOREIGN)] for buf in buffers]
    errors: list[str] = []

    def work(i: int) -> None:
        for _ in range(200):
            got = [build(sm, endian=FOREIGN) for sm in parse_all(buffers[i], endian=FOREIGN)]
            if got != expected[i]:
                errors.append(f"thread {i}: a different parse")
                return

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(expected[0]) == 2 and expected[0][0] == generate_blob(3, endian=FOREIGN)
