"""The school's structure: departments, the location tree and the category tree."""
from tagsvc.structure.views import bp

__all__ = ["bp"]
