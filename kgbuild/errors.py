"""Errors a user can cause. The CLI prints their message as one line and exits non-zero."""


class KgbuildError(Exception):
    """Base class: the message is complete and meant for the user, no traceback needed."""


class InputError(KgbuildError):
    """A file or record could not be read."""


class ServerError(KgbuildError):
    """Neo4j could not be reached, refused the credentials, or has no such database."""


class QueryError(KgbuildError):
    """An unknown template, or a missing or mistyped parameter."""
