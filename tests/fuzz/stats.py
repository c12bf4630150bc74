"""What the crafted-input test sent and what came back, for the run's summary line."""

from collections import Counter

STATS: Counter = Counter()
