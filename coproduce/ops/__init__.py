"""What operates coproduce rather than being it: the `coproduce` management commands, the demo
builders, synthetic data for benchmarks, and the timed jobs' schedule. It may call any app's
services and selectors; nothing imports it (tests/core/test_layering.py)."""
