"""Accounts and roles: signing in and out, and the office's user management."""
from tagsvc.accounts.views import bp

__all__ = ["bp"]
