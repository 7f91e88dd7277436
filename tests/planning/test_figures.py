"""Provenance flows through arithmetic: a derived figure names every assumption beneath it, once."""

from __future__ import annotations

from factory.planning.figures import assumed, derived, measured, option


def test_derived_figures_carry_their_assumptions_transitively():
    rate = measured("cpu_s_per_doc", 0.4, "CPU-s/doc", 3, "x")
    size = option("warc_gb", 1.1, "GB", "--warc-gb")
    records = assumed("bytes_per_record", 36_700, "B/record", "Common Crawl nominal")
    per_file = derived("records_per_file", 30_000, "docs/file", [size, records], "warc_gb / bytes_per_record")
    hours = derived("cpu_hours", 10.0, "CPU-h", [per_file, rate, size], "files x records x rate")
    assert hours.rests_on == ("warc_gb (option)", "bytes_per_record (assumed)")
    assert hours.uses_measurement and not hours.is_measured
    assert hours.label == "derived; rests on warc_gb (option), bytes_per_record (assumed)"
    assert rate.label == "measured (3 partitions)" and rate.is_measured
    only_measured = derived("twice", 0.8, "CPU-s/doc", [rate, rate], "2 x rate")
    assert only_measured.is_measured and only_measured.label == "derived from measured"
    assert hours.to_dict()["rests_on"] == ["warc_gb (option)", "bytes_per_record (assumed)"]
