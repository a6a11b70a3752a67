"""One hierarchy of domain errors, each carrying a translatable message id.

The conversation layer turns a DomainError into a polite reply in the person's language; anything
else is a bug and is logged with its traceback.
"""

from __future__ import annotations

from typing import Any

from core.i18n import N_


class DomainError(Exception):
    message_id = N_("Sorry, that cannot be done right now.")

    def __init__(self, message_id: str | None = None, **params: Any) -> None:
        if message_id is not None:
            self.message_id = message_id
        self.params = params
        super().__init__(self.message_id, params)


class NotFound(DomainError):
    message_id = N_("We could not find that. It may have been removed.")


class PermissionDenied(DomainError):
    message_id = N_("Sorry, you are not allowed to do that.")


class ForbiddenTransition(DomainError):
    message_id = N_("This order can no longer be changed that way: it is now {status}.")


class InvalidInput(DomainError):
    message_id = N_("Sorry, we could not understand that. Please try again.")


class InvitationInvalid(DomainError):
    message_id = N_("This invitation code is not valid or has already been used.")


class ImportFailed(DomainError):
    """A bad import file; `errors` lists (row number, message) and nothing was written."""

    message_id = N_("The import file has errors; nothing was imported.")

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        super().__init__()
        self.errors = errors
