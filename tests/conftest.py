import pathlib
import sys

import pytest

TESTS = pathlib.Path(__file__).parent
sys.path.insert(0, str(TESTS))

from llvm_tools import LLVM_VERSIONS, Llvm, require  # noqa: E402


@pytest.fixture
def llc() -> str:
    return require("llc")


@pytest.fixture
def llvm_readobj() -> str:
    return require("llvm-readobj")


@pytest.fixture(params=LLVM_VERSIONS, ids=[f"llvm{v}" for v in LLVM_VERSIONS])
def llvm(request) -> Llvm:
    """Each LLVM of LLVM_VERSIONS in turn (missing: skip, or fail under CI=true)."""
    return Llvm(request.param)


# -- the two implementations of parse / parse_all / build ---------------------
# Format test modules say ``pytestmark = pytest.mark.usefixtures("format_backend")``:
# each of their tests then runs once with the fast path (the default) and once
# with the construct definition alone.

@pytest.fixture(params=["fast", "construct"], scope="module")
def format_backend(request):
    from stackmap_construct.format.api import backend

    with backend(request.param):
        yield request.param
