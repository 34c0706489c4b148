"""Canonical posting URLs and the site they come from.

The same posting reaches us under many URLs (tracking parameters, fragments, upper-case hosts, a
trailing slash). Its stable id is derived from the canonical URL, so all of them must map to one.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING_PARAMS = frozenset(
    [
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "ref",
        "ref_src",
        "ref_url",
        "referrer",
        "source_ref",
        "trk",
        "trackingid",
    ]
)
_TRACKING_PREFIXES = ("utm_", "pk_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Already canonical but for a trailing slash: lower-case scheme and host, no port, user, query or
# fragment. Most scraped URLs look like this, and they skip the full parse.
_PLAIN_URL = re.compile(r"(https?)://([a-z0-9-]+(?:\.[a-z0-9-]+)+)(/[^?#\s%]*)?")
_SCHEMELESS_HOST = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(/|$)", re.I)
# Second-level labels under which the registered name sits one label further left (bbc.co.uk).
_GENERIC_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu"})


def _is_tracking(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_PARAMS or lowered.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """One spelling per posting URL; raises ValueError when ``url`` is not an http(s) address.

    Lower-cases scheme and host, drops default ports, the fragment, tracking parameters (utm_*,
    fbclid, gclid, ref, ...) and a trailing slash, and sorts the remaining query parameters.
    A missing scheme (``sfbay.craigslist.org/...`` or ``//host/...``) is taken as https.
    """
    text = url.strip()
    if plain := _PLAIN_URL.fullmatch(text):
        return f"{plain[1]}://{plain[2]}{(plain[3] or '').rstrip('/')}"
    if text.startswith("//"):
        text = "https:" + text
    elif _SCHEMELESS_HOST.match(text):
        text = "https://" + text
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"url {url!r} cannot be parsed: {exc}") from exc
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        raise ValueError(f"url {url!r} is not a web address (http or https, with a host)")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    # User info is dropped: it never identifies a posting and must not be stored.
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = sorted(
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(name)
    )
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), urlencode(query), ""))


def site_of(url: str) -> str:
    """The site's short name from a canonical URL's host: ``sfbay.craigslist.org`` -> ``craigslist``."""
    netloc = url.split("/", 3)[2] if url.startswith(("https://", "http://")) else ""
    host = netloc if netloc and ":" not in netloc else urlsplit(url).hostname or ""
    return _site_of_host(host)


@functools.lru_cache(maxsize=4096)  # postings of a day come from a few hosts
def _site_of_host(host: str) -> str:
    labels = [label for label in host.split(".") if label]
    if len(labels) >= 3 and labels[-2] in _GENERIC_SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    if len(labels) >= 2 and not labels[-1].isdigit():
        return labels[-2]
    return host or "unknown"
