"""Languages: Simplified Chinese and English. The choice comes from the browser and can be switched."""
from tagsvc.i18n.views import bp, select_locale

__all__ = ["bp", "select_locale"]
