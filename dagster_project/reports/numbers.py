"""Numbers written the way IMSS press bulletins write them.

Spanish bulletins mix digits and words: "3 mil 242 cirugías", "mil 13 esquemas",
"un millón 200 mil". English bulletins use digits with thousands separators: "3,242".
Tables in either language use digits with a comma separator, as Mexico does.
"""

from __future__ import annotations

_THOUSAND = 1_000
_MILLION = 1_000_000


def spanish_number(value: int) -> str:
    """Write a whole number in IMSS's Spanish press style ("3 mil 242", "mil 13")."""
    if isinstance(value, bool) or int(value) != value:
        raise ValueError(f"spanish_number takes whole numbers, got {value!r}")
    value = int(value)
    if value < 0:
        return "menos " + spanish_number(-value)
    if value < _THOUSAND:
        return str(value)
    millions, rest = divmod(value, _MILLION)
    thousands, units = divmod(rest, _THOUSAND)
    parts: list[str] = []
    if millions:
        # The long scale: a thousand millions is "mil millones", so recurse on the count.
        parts.append("un millón" if millions == 1 else f"{spanish_number(millions)} millones")
    if thousands:
        parts.append("mil" if thousands == 1 else f"{thousands} mil")
    if units:
        parts.append(str(units))
    return " ".join(parts)


def english_number(value: int) -> str:
    """Digits with comma thousands separators ("3,242"), as English bulletins print them."""
    if isinstance(value, bool) or int(value) != value:
        raise ValueError(f"english_number takes whole numbers, got {value!r}")
    return f"{int(value):,}"


def bulletin_number(value: int, lang: str) -> str:
    return spanish_number(value) if lang == "es" else english_number(value)


def table_number(value: float | int | None, decimals: int = 0) -> str:
    """A figure for a table cell: comma thousands separator in both languages (Mexican usage)."""
    if value is None:
        return "—"
    if decimals:
        return f"{float(value):,.{decimals}f}"
    return f"{round(float(value)):,}"


def percent(value: float | None, lang: str) -> str:
    """A percentage for prose or tables ("98.5 %" / "98.5%")."""
    if value is None:
        return "—"
    text = f"{float(value):,.1f}".removesuffix(".0")
    return f"{text} %" if lang == "es" else f"{text}%"
