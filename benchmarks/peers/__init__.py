"""The peer benchmark (``benchmarks/bench_peers.py``) in parts: its settings, timing, graphs, what each
library runs, the comparisons and the printed tables. ``benchmarks.bench_peers`` is the entry point
and re-exports these names; import from there."""
