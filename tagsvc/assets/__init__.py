"""The asset register: list, search, create, edit, history."""
from tagsvc.assets.views import bp

__all__ = ["bp"]
