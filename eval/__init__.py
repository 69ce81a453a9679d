"""Evaluation: judged queries, metrics, baselines and benchmarks. Talks only to the Searcher facade."""
