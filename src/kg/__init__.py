"""kg: a knowledge graph of people, units and directives from Vietnamese news."""

__version__ = "0.1.0"
