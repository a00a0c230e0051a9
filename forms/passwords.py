"""The password rule the desk and the district console share.

A password an offline guesser would find is refused: fewer than ``MIN_PASSWORD``
characters, or only digits (a short number belongs in the desk's PIN, which the district
guards). Each side words the refusal for its users; the console also asks for more length
(:func:`sync.district.console.auth.password_problem`).
"""

from __future__ import annotations

MIN_PASSWORD = 8


def password_weakness(password: str, min_length: int = MIN_PASSWORD) -> str | None:
    """``"short"`` (fewer than ``min_length`` characters), ``"digits"`` (only digits),
    ``"simple"`` (fewer than 4 different characters) or None when acceptable."""
    if len(password) < min_length:
        return "short"
    if password.isdigit():
        return "digits"
    if len(set(password)) < 4:
        return "simple"
    return None
