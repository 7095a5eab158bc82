"""``python -m stackmap_construct.docgen [--check] [--root DIR]``: the same as
``stackmap-construct doc``."""

import sys

from ..cli.main import main

sys.exit(main(["doc", *sys.argv[1:]]))
