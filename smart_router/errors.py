"""The errors that mean something to a client or an operator. The hook maps exactly these
to HTTP answers (``BadRequest`` 400, ``AccessDenied`` 403); any other exception on the
request path is a bug: it is logged with its traceback, never turned into a 400."""

from __future__ import annotations


class SmartRouterError(Exception):
    """Base of the errors below."""


class BadRequest(SmartRouterError, ValueError):
    """The request cannot be routed as sent (a 400); the message says what to change."""


class AccessDenied(SmartRouterError):
    """The key may not use any model this smart profile routes to (a 403)."""


class ConfigError(SmartRouterError, ValueError):
    """A configuration problem; the message names the file, the key and the fix."""

    def __init__(self, path: str, key: str, problem: str):
        super().__init__(f"{path}: {key}: {problem}")
        self.path, self.key, self.problem = path, key, problem
