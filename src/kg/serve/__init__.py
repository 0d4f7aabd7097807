"""The HTTP server: REST API, SPARQL 1.1 door, pages, static assets."""
