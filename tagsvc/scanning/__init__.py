"""The public page a QR label opens: /t/<code>."""
from tagsvc.scanning.views import bp

__all__ = ["bp"]
