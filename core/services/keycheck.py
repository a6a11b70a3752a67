"""The data key's check: the first process to use a database leaves a known text encrypted with its
key; every later one proves it holds the same key before it reads or writes anything personal."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.models import KeyCheck, Person
from core.uow import UnitOfWork

_KNOWN = "guanjia data key check"


class WrongDataKey(Exception):
    """The data key in use is not the one this database's personal data was encrypted with."""

    def __init__(self) -> None:
        super().__init__(
            "DATA_KEY does not match this database: its names and phones were encrypted with "
            "another key. Set DATA_KEY (or put the .guanjia-key file beside the database) to the "
            "key it was set up with, or point DATABASE_URL at the database made with this key."
        )


def _opens(uow: UnitOfWork, token: bytes) -> bool:
    try:
        uow.cipher.decrypt(token)
    except ValueError:
        return False
    return True


async def verify(uow: UnitOfWork) -> None:
    """Raises WrongDataKey when the key does not open this database's check; at first use, leaves
    the check (after testing the key on a name already stored, for a database older than it)."""
    check = await uow.session.scalar(select(KeyCheck).where(KeyCheck.id == 1))
    if check is not None:
        if not _opens(uow, check.token):
            raise WrongDataKey
        return
    name = await uow.session.scalar(
        select(Person.name_enc).where(Person.name_enc.is_not(None)).limit(1)
    )
    if name is not None and not _opens(uow, name):
        raise WrongDataKey
    token = uow.cipher.encrypt(_KNOWN)
    assert token is not None
    uow.add(KeyCheck(id=1, token=token, created_at=uow.clock.now()))
    try:
        await uow.commit()
    except IntegrityError:  # another process left its check first: test against that one
        await uow.session.rollback()
        await verify(uow)
