"""Photos of assets (and later of damage reports): validated, cleaned, stored and served."""
from tagsvc.photos.views import bp

__all__ = ["bp"]
