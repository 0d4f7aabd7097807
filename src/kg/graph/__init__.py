"""The graph: building an article's named graph, and the derived cross-article graph."""
