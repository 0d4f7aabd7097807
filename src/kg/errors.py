"""The project's small exception tree. Messages say what was expected and what exists."""


class KgError(Exception):
    """Base of every error kg raises on purpose; the CLI prints it as one line."""


class RuleError(KgError):
    """A rules file (src/kg/rules/*.yaml) is missing or invalid."""


class QueryError(KgError):
    """A saved query is unknown, a parameter is missing, or SPARQL does not parse."""


class StoreError(KgError):
    """The triplestore can't be opened, read or written."""


class ArticleError(KgError):
    """An article can't be read: empty, binary, undecodable, too large."""
