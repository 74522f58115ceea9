"""User-facing text: message catalogs per language and locale formatting of money and dates.

Every sentence a shopper reads (portal, emails, PDFs, API error messages) is an English message id
looked up in a Babel catalog. `N_` marks a message where it is defined, so extraction finds it;
a `Translator` turns it into the shopper's language when it is shown.
"""

from returns_core.i18n.languages import DEFAULT_LANGUAGE, LANGUAGES, language_name, negotiate
from returns_core.i18n.translator import Translator, messages_for, translator


def N_(message: str) -> str:
    """Marks a message id for extraction where it is defined; translated where it is shown."""
    return message


__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "N_",
    "Translator",
    "language_name",
    "messages_for",
    "negotiate",
    "translator",
]
