"""Resolution: stable IRIs for the facts of one article (people, units, holdings)."""
