"""The start page: the public "type a code" page, and after sign-in each role's own landing page."""
from tagsvc.home.views import bp

__all__ = ["bp"]
