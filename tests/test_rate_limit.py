"""Message limits per conversation and per client address (common/rate_limit.py)."""

from __future__ import annotations

from common.rate_limit import MessageLimits, SlidingWindowLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_conversation_over_its_limit_is_refused_until_the_window_moves_on():
    clock = Clock()
    limiter = SlidingWindowLimiter(3, clock=clock)
    assert [limiter.allow("a") for _ in range(5)] == [True, True, True, False, False]
    assert limiter.allow("b")  # someone else is unaffected
    clock.now += 59.9
    assert not limiter.allow("a")
    clock.now += 0.2  # the first three are now over a minute old; refusals were never counted
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]


def test_made_up_conversation_ids_from_one_address_are_still_one_sender():
    clock = Clock()
    limits = MessageLimits(per_conversation=5, per_address=10, clock=clock)
    results = [limits.allow(f"fake-{n}", "203.0.113.9") for n in range(15)]
    assert results.count(True) == 10 and results[10:] == [False] * 5
    assert limits.allow("real-person", "198.51.100.7")


def test_zero_switches_a_limit_off_and_memory_stays_bounded():
    limiter = SlidingWindowLimiter(0)
    assert all(limiter.allow("x") for _ in range(1000))
    bounded = SlidingWindowLimiter(5, max_keys=100)
    for n in range(1000):
        bounded.allow(f"key-{n}")
    assert len(bounded._hits) == 100
    assert SlidingWindowLimiter(1).allow(None)  # no key (no address known): not limited
