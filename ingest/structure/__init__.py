"""The shared structure-recognition toolkit: numbering schemes, outline, field labels, tables.

:func:`recognize` turns any document into initiatives and sections with no per-document
code; a :class:`Profile` configures a document family.
"""

from ingest.structure.recognizer import Profile, recognize

__all__ = ["Profile", "recognize"]
