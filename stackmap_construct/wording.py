"""Counted nouns in messages: "1 record", "2 records", "there is 1 record"."""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun, singular for exactly one: "1 record", "0 records"."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def there_are(n: int, noun: str, plural: str | None = None) -> str:
    """"there is 1 record", "there are 3 records"."""
    return f"there {'is' if n == 1 else 'are'} {count(n, noun, plural)}"
