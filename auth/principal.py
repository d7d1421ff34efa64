"""Who is signed in: the principal, built once from ID-token claims.

Claims come from the identity provider (through Streamlit's signed cookie);
the directory says which employee they belong to; the groups claim says
which roles they hold. Nothing here trusts a widget, a URL or session state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from queries.discovery.directory import Directory
from settings import IdentitySettings


class Role(StrEnum):
    EMPLOYEE = "employee"
    WORKS_COUNCIL = "works_council"
    HR = "hr"
    ADMINISTRATOR = "administrator"  # the `daylight` command line's operator, never a portal sign-in
    EXECUTOR = "executor"  # the erasure run, recording what it deleted; granted nothing

    @property
    def label(self) -> str:
        """One holder of the role, in plain words (an access history's "who")."""
        return _ROLE_WORDS[self][0]

    @property
    def readers(self) -> str:
        """The role's holders as a group of readers (the council's usage figures)."""
        return _ROLE_WORDS[self][1]


_ROLE_WORDS = {
    Role.EMPLOYEE: ("employee", "employees (their own data)"),
    Role.WORKS_COUNCIL: ("works council", "works council (aggregates)"),
    Role.HR: ("HR privacy officer", "HR privacy officers"),
    Role.ADMINISTRATOR: ("administrator (command line)", "administrators (command line)"),
    Role.EXECUTOR: ("deletion executor", "deletion executor"),
}


def known_role(role: str) -> Role | None:
    """The role a ledger entry names, for its words; None for a name this
    version does not know (such an entry is shown as written)."""
    return Role(role) if role in Role._value2member_map_ else None


@dataclass(frozen=True)
class Principal:
    employee_id: str
    name: str
    email: str
    department: str
    roles: frozenset[Role]


class SignInStatus(StrEnum):
    SIGNED_OUT = "signed_out"
    EXPIRED = "expired"
    NO_DIRECTORY_ENTRY = "no_directory_entry"
    NO_ROLE = "no_role"
    SIGNED_IN = "signed_in"


@dataclass(frozen=True)
class SignIn:
    status: SignInStatus
    message: str
    principal: Principal | None = None


def _roles(claims: Mapping, identity: IdentitySettings) -> frozenset[Role]:
    groups = claims.get(identity.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        return frozenset()
    return frozenset(Role(identity.role_groups[g]) for g in groups if isinstance(g, str) and g in identity.role_groups)


def _expired(claims: Mapping, now: datetime) -> bool:
    """An ID token past its `exp` ends the session, whatever the cookie's
    own lifetime; a token without a usable `exp` is treated as expired."""
    expiry = claims.get("exp")
    if isinstance(expiry, bool) or not isinstance(expiry, (int, float)):
        return True
    return expiry <= now.timestamp()


def _email_verified(claims: Mapping) -> bool:
    """OIDC's `email_verified` is a boolean; some providers send the text "true"."""
    verified = claims.get("email_verified")
    return verified is True or verified == "true"


NO_DIRECTORY_ENTRY = ("You are signed in, but your account does not match anyone in the employee directory, "
                      "so Daylight has no data to show you. If you believe this is wrong, contact the "
                      "privacy team and quote the account you signed in with.")
UNVERIFIED_EMAIL = ("You are signed in, but your identity provider has not verified the email address of this "
                    "account, so Daylight cannot tell whose data it may show you. Ask IT to verify the address, "
                    "then sign in again.")


def sign_in(claims: Mapping, directory: Directory, identity: IdentitySettings, now: datetime) -> SignIn:
    if not claims.get("is_logged_in"):
        return SignIn(SignInStatus.SIGNED_OUT, "Sign in with your company account to continue.")
    if _expired(claims, now):
        return SignIn(SignInStatus.EXPIRED, "Your sign-in has expired. Please sign in again.")
    if identity.directory_field == "email" and identity.require_email_verified and not _email_verified(claims):
        return SignIn(SignInStatus.NO_DIRECTORY_ENTRY, UNVERIFIED_EMAIL)
    employee = directory.find(identity.directory_field, claims.get(identity.directory_claim))
    if employee is None:
        return SignIn(SignInStatus.NO_DIRECTORY_ENTRY, NO_DIRECTORY_ENTRY)
    roles = _roles(claims, identity)
    if not roles:
        return SignIn(SignInStatus.NO_ROLE,
                      "Your account is in the directory but holds none of the groups that give access to "
                      "Daylight. Ask IT to add you to the employees group.")
    principal = Principal(employee.employee_id, employee.name, employee.email, employee.department, roles)
    return SignIn(SignInStatus.SIGNED_IN, f"Signed in as {employee.name}.", principal)
