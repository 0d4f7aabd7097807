"""The read model: typed records about people, units, documents, awards, events, articles."""
