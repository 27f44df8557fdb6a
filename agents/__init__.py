"""Mesa agents of wellspread."""

from .person import Person

__all__ = ["Person"]
