"""Synthetic data in bulk for `coproduce seed` and the benchmarks: `people` (communities and
their members, applications, checks, neighbourhoods) and `listings` (offers and requests)."""
