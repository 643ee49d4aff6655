"""The benchmark's pooling of a condition measured in interleaved segments (benchmarks/measure.py,
`pool`; phase B of `make bench`): the figures of the pooled row are those of all its samples,
not an average of the segments' figures."""

from benchmarks.measure import Phase, pct, pool


def _segment(latencies: list[float], *, seconds: float, web_s: float, host: float) -> Phase:
    capacity = seconds * 2  # two cores
    return Phase(
        name="segment",
        requests=len(latencies),
        outcomes={"201": len(latencies)},
        cpu={
            "gunicorn": 100 * web_s / capacity,
            "gunicorn s": web_s,
            "host": host,
            "capacity s": capacity,
        },
        seconds=seconds,
        latencies=latencies,
        server_ms=[x / 2 for x in latencies],
        note=f"the VM's host took {host:.0f}% of the CPU (steal); ran out of prepared members",
        target_rate=100.0,
    )


def test_pooled_percentiles_rate_and_cpu_are_those_of_all_the_samples() -> None:
    calm = [5.0] * 990 + [9.0] * 10  # p99 5 ms
    stalled = [5.0] * 979 + [300.0] * 21  # p99 300 ms
    first = _segment(calm, seconds=10.0, web_s=6.0, host=0.0)
    second = _segment(stalled, seconds=30.0, web_s=30.0, host=8.0)

    pooled = pool("B", [first, second])

    everything = calm + stalled
    assert pooled.requests == 2000 and pooled.outcomes == {"201": 2000}
    assert pooled.p99 == pct(everything, 99) == 300.0  # 21 of 2,000 samples: over 1 %
    assert pooled.p50 == 5.0 and pooled.max == 300.0
    assert pooled.server_p99 == pct([x / 2 for x in everything], 99)
    assert pooled.rate == 2000 / 40.0
    assert pooled.cpu["gunicorn s"] == 36.0
    # Shares weighted by each segment's capacity: 36 s of 80 s, not the mean of 30 % and 50 %.
    assert pooled.cpu["gunicorn"] == 100 * 36.0 / 80.0
    assert pooled.cpu["host"] == (0.0 * 20 + 8.0 * 60) / 80
    # The CPU notes once, from the pooled shares; the others once each.
    assert pooled.note == ("the VM's host took 6% of the CPU (steal); ran out of prepared members")
    assert pooled.target_rate == 100.0


def test_one_stall_moves_the_pooled_p99_only_as_far_as_its_share_of_the_samples() -> None:
    calm = [5.0] * 1000
    stalled = [5.0] * 995 + [300.0] * 5  # 0.5 % of the segment
    pooled = pool("B", [_segment(calm, seconds=10, web_s=1, host=0),
                        _segment(stalled, seconds=10, web_s=1, host=0)])  # fmt: skip
    assert pct(stalled, 99) == 5.0 and pooled.p99 == 5.0
    stalled = [5.0] * 970 + [300.0] * 30  # 3 % of the segment, 1.5 % of the pool
    pooled = pool("B", [_segment(calm, seconds=10, web_s=1, host=0),
                        _segment(stalled, seconds=10, web_s=1, host=0)])  # fmt: skip
    assert pooled.p99 == 300.0
