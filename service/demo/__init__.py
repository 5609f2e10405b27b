"""``qmloop demo``: the whole loop against a local fake Genesys, in one command."""
