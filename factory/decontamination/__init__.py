"""Benchmark decontamination: an n-gram index of what no mix may be trained on, and the mix's filter and report."""
