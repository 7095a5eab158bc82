"""Consumers that turn parsed stackmaps into text: llvm-readobj's exact
format, a human-readable text, and the JSON document."""
