"""Idempotent loaders of reference and demo data, reused by the tests."""
