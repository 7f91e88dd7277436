"""Test support shared across test folders (kept out of the library)."""
