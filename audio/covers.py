"""A generated cover for tracks whose file carried no art."""

import hashlib
from html import escape


def placeholder_svg(title: str) -> str:
    """A gradient picked from the title, with its first letter."""
    digest = hashlib.sha256(title.encode()).digest()
    hue_a, hue_b = digest[0] * 360 // 256, digest[1] * 360 // 256
    letter = escape((title.strip()[:1] or "?").upper())
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 200">'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">'
        f'<stop offset="0" stop-color="hsl({hue_a},65%,45%)"/>'
        f'<stop offset="1" stop-color="hsl({hue_b},70%,30%)"/></linearGradient></defs>'
        '<rect width="200" height="200" fill="url(#g)"/>'
        '<text x="100" y="128" font-family="sans-serif" font-size="96" text-anchor="middle" '
        f'fill="rgba(255,255,255,.85)">{letter}</text></svg>'
    )
