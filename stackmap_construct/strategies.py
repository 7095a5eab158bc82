"""Kept for existing imports: the hypothesis strategies live in
:mod:`stackmap_construct.generate.strategies` (needs ``hypothesis``)."""

from .generate.strategies import live_outs, locations, records, stackmaps

__all__ = ["stackmaps", "records", "locations", "live_outs"]
