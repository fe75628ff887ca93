"""A student as a class list gives them: their name and every identifier an LMS knows them by.

Identifiers read "kind:value". The generic kinds (sis, login, email, username, id) mean
the same on every platform; a platform module adds its own ids under a kind it names,
either as a user id (known across the platform's courses: matched as itself and as a bare
value) or as an assignment id (meaningful in one assignment only: matched as itself).
"""

from dataclasses import dataclass, field


class RosterError(Exception):
    """The roster file can't be used; the message says why."""


@dataclass(frozen=True)
class Student:
    name: str  # as the LMS shows it: "Lovelace, Ada" on some platforms, "Ada Lovelace" elsewhere
    sis_user_id: str | None = None
    sis_login_id: str | None = None
    section: str | None = None
    email: str | None = None
    username: str | None = None
    id_number: str | None = None  # an LMS's "ID number", or a plain roster's id
    first_name: str | None = None
    last_name: str | None = None
    user_ids: tuple[tuple[str, str], ...] = ()  # (kind, id): a platform's own user id
    assignment_ids: tuple[tuple[str, str], ...] = ()  # (kind, id): valid in one assignment
    extra: dict = field(default_factory=dict, compare=False, hash=False)  # the row as read

    def user_id(self, kind: str) -> str | None:
        return dict(self.user_ids).get(kind)

    def assignment_id(self, kind: str) -> str | None:
        return dict(self.assignment_ids).get(kind)

    def _generic(self) -> dict[str, str | None]:
        return {
            "sis": self.sis_user_id,
            "login": self.sis_login_id,
            "email": self.email,
            "username": self.username,
            "id": self.id_number,
        }

    def identifiers(self) -> set[str]:
        """Every "kind:value" this student can be recognised by, lower-cased."""
        pairs = [*self.user_ids, *self._generic().items()]
        found = {f"{kind}:{value.strip().lower()}" for kind, value in pairs if value}
        # Not under "any:": an assignment's id means nothing outside that assignment.
        found |= {f"{kind}:{value.strip()}" for kind, value in self.assignment_ids if value}
        # A bare value matches any kind: a platform's "sid" is whatever the course used.
        found |= {f"any:{value.strip().lower()}" for _, value in pairs if value}
        return found

    @property
    def key(self) -> str:
        """One stable identifier for this roster entry."""
        for kind, value in (
            *self.user_ids,
            ("sis", self.sis_user_id),
            ("id", self.id_number),
            ("email", self.email),
            ("username", self.username),
            *self.assignment_ids,
        ):
            if value:
                return f"{kind}:{value}"
        return f"name:{self.name}"


def norm(header: str) -> str:
    """A class list's column header as rosters compare them: lower case, single spaces."""
    return " ".join(header.strip().lower().split())


def get(row: dict, *names: str) -> str | None:
    """The first non-blank value of a row under any of these headers (compared by norm)."""
    wanted = {norm(name) for name in names}
    for header, value in row.items():
        if header and norm(header) in wanted and value and value.strip():
            return value.strip()
    return None
