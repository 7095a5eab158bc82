"""A bare stackmap blob (or several concatenated), as dumped from a section."""

from __future__ import annotations

from .base import Container, Section


def read_raw(data: bytes, endian: str = "little") -> Container:
    return Container(format="raw", arch=None, sections=[Section("raw", data, endian, 0)])
