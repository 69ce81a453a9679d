"""Index stage: tokenize, embed, FAISS + BM25 + metadata store, persisted; the Searcher facade."""
