"""HTTP API and web UI over the Searcher facade."""
