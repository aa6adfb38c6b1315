"""The list of common passwords that new passwords are checked against, shipped with tfclaims.

``common_passwords.txt.gz`` beside this file is Django's list (``django/contrib/auth/common-passwords.txt.gz`` in
Django 5.2, BSD licence, see ``common_passwords.LICENSE``): 19,646 of the passwords most often found in breaches,
lower case, one a line, created by Royce Williams (https://gist.github.com/roycewilliams/226886fd01572964e1431ac8afc999ce).
The NCSC's password guidance asks services to refuse the most common passwords; tfclaims also refuses them with
digits or symbols added ("Sunshine2024!"), see ``rules.password_problem``.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from tfclaims.auth import rules

LIST_FILE = Path(__file__).with_name("common_passwords.txt.gz")


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(LIST_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def password_problem(password: str, *, name: str = "", email: str = "") -> str | None:
    """``rules.password_problem`` with the shipped list of common passwords."""
    return rules.password_problem(password, name=name, email=email, common=common_passwords())
