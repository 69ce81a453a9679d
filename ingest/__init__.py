"""Ingest stage: corpus files → normalized text → structure records → chunks. Never imports `index`."""
