"""The one error type that network building and loading raise for bad input."""


class NetworkError(ValueError):
    """A network could not be built or read; the message names the file or parameter and the problem."""
