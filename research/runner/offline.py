"""Keep report pages offline: embed local resources, refuse remote ones.

A report must open without a network (README: self-contained reports). A user's notebook can
break that with a remote image (``<img src="https://...">``, a Markdown image of a URL), a
script or a stylesheet from the web. :func:`make_self_contained` rewrites every resource the
page would *load* (``src``, ``srcset``, ``poster``, ``<object data>``, ``<link href>``, CSS
``url(...)`` and ``@import``): ``data:`` URIs stay as they are, local files (relative to the
notebook's folder, or ``file:`` URLs) are embedded as ``data:`` URIs, and anything remote
(``http:``, ``https:``, ``//host``, ...) or missing is collected and refused with one
:class:`research.core.errors.ReportError` that lists every such reference. Links a reader may
follow (``<a href>``) are not loads and stay untouched.
"""

from __future__ import annotations

import base64
import mimetypes
import re
import urllib.parse
from pathlib import Path

from research.core.errors import ReportError
from research.core.i18n import load_catalogue

__all__ = ["find_resources", "make_self_contained"]

#: Error messages in Swedish and English (research/runner/texts.toml, ids ``offline_*``).
_TEXTS = load_catalogue(Path(__file__).with_name("texts.toml"))

# A start tag, and one attribute inside it.
_TAG = re.compile(r"<(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>\s[^>]*)?>", flags=re.S)
_ATTR = re.compile(
    r"""(?P<pre>\s(?P<attr>[a-zA-Z-]+)\s*=\s*)(?:"(?P<v1>[^"]*)"|'(?P<v2>[^']*)'|(?P<v3>[^\s>"']+))""",
    flags=re.S,
)
_CSS_URL = re.compile(r"""(?P<pre>url\(\s*)(?P<q>["']?)(?P<val>[^"')]*)(?P=q)(?P<post>\s*\))""")
_CSS_IMPORT = re.compile(r"""(?P<pre>@import\s+)(?P<q>["'])(?P<val>[^"']*)(?P=q)""")
# CSS is read only where it is CSS: <style> elements and style="..." attributes.
_STYLE_BLOCK = re.compile(r"(<style\b[^>]*>)(.*?)(</style>)", flags=re.S | re.I)
_LOADING = {
    "src": None,  # any tag
    "srcset": None,
    "poster": None,
    "data": {"object"},
    "href": {"link", "image", "use"},
}


def _is_remote(url: str) -> bool:
    u = url.strip()
    if u.startswith("//"):
        return True
    scheme = urllib.parse.urlsplit(u).scheme.lower()
    return bool(scheme) and scheme not in ("data", "file") and len(scheme) > 1


def _local_path(url: str, base: Path | None) -> Path | None:
    u = url.strip()
    parts = urllib.parse.urlsplit(u)
    if parts.scheme.lower() == "file":
        return Path(urllib.parse.unquote(parts.path))
    if parts.scheme and len(parts.scheme) > 1:
        return None
    path = Path(urllib.parse.unquote(parts.path))
    if not path.is_absolute():
        if base is None:
            return None
        path = base / path
    return path


def _data_uri(path: Path) -> str:
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def find_resources(page: str) -> list[str]:
    """Every URL ``page`` would load (``data:`` URIs left out), in order of appearance.

    Examples
    --------
    >>> find_resources('<img src="https://x.org/a.png"><a href="https://y.org">y</a>'
    ...                '<script src=//cdn.org/s.js></script><div style="background:url(b.png)">')
    ['https://x.org/a.png', '//cdn.org/s.js', 'b.png']
    """
    found: list[tuple[int, str]] = []
    for tag, value, start in _loading_attrs(page):
        found.extend((start, url) for url in _urls(tag, value))
    for start, css in _css_parts(page):
        for rx in (_CSS_URL, _CSS_IMPORT):
            found.extend((start + m.start("val"), m.group("val")) for m in rx.finditer(css))
    found.sort(key=lambda item: item[0])
    return [u for _, u in found if u.strip() and not u.strip().startswith("data:")]


def _css_parts(page: str) -> list[tuple[int, str]]:
    """``(offset, text)`` of the CSS in ``page``: style elements and style attributes."""
    out = [(m.start(2), m.group(2)) for m in _STYLE_BLOCK.finditer(page)]
    for t in _TAG.finditer(page):
        for a in _ATTR.finditer(t.group("attrs") or ""):
            if a.group("attr").lower() == "style":
                value = next(
                    v for v in (a.group("v1"), a.group("v2"), a.group("v3")) if v is not None
                )
                out.append((t.start("attrs") + a.start(), value or ""))
    return out


def _loading_attrs(page: str) -> list[tuple[str, str, int]]:
    """``(attribute name, value, offset)`` of every attribute that makes a browser fetch."""
    out = []
    for t in _TAG.finditer(page):
        tag = t.group("tag").lower()
        for a in _ATTR.finditer(t.group("attrs") or ""):
            name = a.group("attr").lower()
            if name not in _LOADING or (_LOADING[name] and tag not in _LOADING[name]):
                continue
            value = next(v for v in (a.group("v1"), a.group("v2"), a.group("v3")) if v is not None)
            out.append((name, value, t.start("attrs") + a.start()))
    return out


def _urls(attr: str, value: str) -> list[str]:
    if attr != "srcset":
        return [value]
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def make_self_contained(  # noqa: C901 - one branch per kind of resource (img, script, link, CSS url)
    page: str, base: Path | None = None, *, what: str | None = None
) -> str:
    """Embed the local resources of ``page``; refuse remote or missing ones.

    Parameters
    ----------
    page
        HTML of a report page (or of its body).
    base
        Folder that relative paths are relative to (the notebook's folder); without it,
        relative paths cannot be resolved and are refused.
    what
        How the page is named in the error (default "the report", in Swedish "rapporten");
        a name given is used in both languages.

    Returns
    -------
    str
        The page with every local file embedded as a ``data:`` URI.

    Raises
    ------
    ReportError
        Listing every remote URL (and every local file that does not exist), with what to do.

    Examples
    --------
    >>> make_self_contained('<p>no resources</p>')
    '<p>no resources</p>'
    >>> make_self_contained('<img src="https://example.org/logo.png">')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    research.core.errors.ReportError: the report loads 1 resource from the network, ...
    """
    remote: list[str] = []
    missing: list[str] = []
    cache: dict[str, str] = {}

    def embed(url: str) -> str:
        u = url.strip()
        if not u or u.startswith("data:") or u.startswith("#"):
            return url
        if u in cache:
            return cache[u]
        if _is_remote(u):
            if u not in remote:
                remote.append(u)
            return url
        path = _local_path(u, base)
        if path is None or not path.is_file():
            if u not in missing:
                missing.append(u)
            return url
        cache[u] = _data_uri(path)
        return cache[u]

    def one(name: str, value: str) -> str:
        if name != "srcset":
            return embed(value)
        return ", ".join(
            " ".join([embed(p.strip().split()[0]), *p.strip().split()[1:]])
            for p in value.split(",")
            if p.strip()
        )

    def attr(tag: str, m: re.Match[str]) -> str:
        name = m.group("attr").lower()
        if name == "style":
            value = next(v for v in (m.group("v1"), m.group("v2"), m.group("v3")) if v is not None)
            new = css_text(value)
            q = "'" if m.group("v2") is not None else '"'
            return m.group(0) if new == value else f"{m.group('pre')}{q}{new}{q}"
        if name not in _LOADING or (_LOADING[name] and tag not in _LOADING[name]):
            return m.group(0)
        value = next(v for v in (m.group("v1"), m.group("v2"), m.group("v3")) if v is not None)
        new = one(name, value)
        if new == value:
            return m.group(0)
        return f'{m.group("pre")}"{new}"'

    def tag(t: re.Match[str]) -> str:
        attrs = t.group("attrs")
        if not attrs:
            return t.group(0)
        name = t.group("tag").lower()
        return f"<{t.group('tag')}{_ATTR.sub(lambda m: attr(name, m), attrs)}>"

    def css(m: re.Match[str]) -> str:
        q = m.group("q")  # data: URIs need no quotes; keep the author's (none inside attributes)
        return f"{m.group('pre')}{q}{embed(m.group('val'))}{q}{m.groupdict().get('post') or ''}"

    def css_text(text: str) -> str:
        return _CSS_IMPORT.sub(css, _CSS_URL.sub(css, text))

    out = _TAG.sub(tag, page)
    out = _STYLE_BLOCK.sub(lambda m: m.group(1) + css_text(m.group(2)) + m.group(3), out)
    if remote or missing:
        en = _refusal(remote, missing, what, "en")
        raise ReportError(en, sv=_refusal(remote, missing, what, "sv"))
    return out


def _refusal(remote: list[str], missing: list[str], what: str | None, lang: str) -> str:
    """The message of :func:`make_self_contained`'s error in ``lang``."""
    parts = []
    if remote:
        parts.append(
            _TEXTS(
                "offline_remote_one" if len(remote) == 1 else "offline_remote_many",
                lang,
                what=what if what is not None else _TEXTS("offline_what", lang),
                n=len(remote),
                urls=", ".join(remote),
            )
        )
    if missing:
        key = "offline_missing_one" if len(missing) == 1 else "offline_missing_many"
        parts.append(_TEXTS(key, lang, n=len(missing), files=", ".join(missing)))
    return _TEXTS("offline_refused", lang, problems="; ".join(parts))
