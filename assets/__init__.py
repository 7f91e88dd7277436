"""Dagster assets, partitions, sensors, checks and the Definitions of the factory.

Kept import-free so the `factory` console script (assets.cli) starts without loading Dagster.
"""
