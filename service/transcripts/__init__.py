"""Transcripts: the Genesys Speech & Text Analytics document and a plain JSON form."""
