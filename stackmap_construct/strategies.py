"""Hypothesis strategies for valid stackmaps (needs ``hypothesis``).

Generated stackmaps are consistent: the functions' record counts sum to the
number of records, and every ConstantIndex location indexes an existing
constant.  Values reach the extremes of their fields (0, 2**64-1, 2**32-1,
negative i32 offsets); location and live-out counts are odd and even.
"""

from __future__ import annotations

from hypothesis import strategies as st

from .model import Function, LiveOut, Location, LocationKind, Record, StackMap

U8 = st.integers(0, 2**8 - 1)
U16 = st.integers(0, 2**16 - 1)
U32 = st.integers(0, 2**32 - 1)
U64 = st.integers(0, 2**64 - 1)
I32 = st.integers(-(2**31), 2**31 - 1)


def locations(*, num_constants: int = 0, kinds=tuple(LocationKind)) -> st.SearchStrategy[Location]:
    """One location; ConstantIndex only when ``num_constants`` > 0, with an
    index below it."""
    kinds = [LocationKind(k) for k in kinds if num_constants > 0 or LocationKind(k) != LocationKind.ConstantIndex]

    def of_kind(kind: LocationKind):
        value = st.integers(0, num_constants - 1) if kind == LocationKind.ConstantIndex else I32
        return st.builds(Location, st.just(kind), U16, U16, value)

    return st.sampled_from(kinds).flatmap(of_kind)


def live_outs() -> st.SearchStrategy[LiveOut]:
    return st.builds(LiveOut, U16, U8)


def records(*, num_constants: int = 0, max_locations: int = 8, max_live_outs: int = 5) -> st.SearchStrategy[Record]:
    return st.builds(
        Record,
        U64,
        U32,
        st.lists(locations(num_constants=num_constants), max_size=max_locations),
        st.lists(live_outs(), max_size=max_live_outs),
    )


@st.composite
def stackmaps(
    draw,
    *,
    min_records: int = 0,
    max_records: int = 6,
    max_functions: int = 4,
    max_constants: int = 4,
    max_locations: int = 8,
    max_live_outs: int = 5,
) -> StackMap:
    """A valid StackMap.  Records are split among the functions in order,
    as LLVM emits them; the split is recorded in each ``record_count``."""
    constants = draw(st.lists(U64, max_size=max_constants))
    recs = draw(
        st.lists(
            records(num_constants=len(constants), max_locations=max_locations, max_live_outs=max_live_outs),
            min_size=min_records,
            max_size=max_records,
        )
    )
    n_functions = draw(st.integers(1 if recs else 0, max(max_functions, 1 if recs else 0)))
    # Cut the records into n_functions consecutive (possibly empty) runs.
    cuts = sorted(draw(st.lists(st.integers(0, len(recs)), min_size=max(n_functions - 1, 0), max_size=max(n_functions - 1, 0))))
    bounds = [0, *cuts, len(recs)] if n_functions else [0]
    counts = [bounds[i + 1] - bounds[i] for i in range(n_functions)]
    functions = [Function(draw(U64), draw(U64), count) for count in counts]
    return StackMap(3, functions, constants, recs)
