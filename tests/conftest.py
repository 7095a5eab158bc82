import pathlib
import sys

import pytest

TESTS = pathlib.Path(__file__).parent
sys.path.insert(0, str(TESTS))

from llvm_tools import require  # noqa: E402


@pytest.fixture
def llc() -> str:
    return require("llc")


@pytest.fixture
def llvm_readobj() -> str:
    return require("llvm-readobj")
