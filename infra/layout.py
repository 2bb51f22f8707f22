"""The bucket's key layout (docs/ARCHITECTURE.md): what the function may touch, what expires,
and what CloudFront may serve."""

from __future__ import annotations

from types import MappingProxyType

# Prefix -> days until S3 expires the objects (None: kept). The web page at the bucket root
# (index.html, assets/, config.json) is deliberately absent: it must never expire.
FUNCTION_PREFIXES = MappingProxyType(
    {
        "jobs/": 30,
        "images/": 30,
        "ratelimit/": 2,  # counters only matter for a day; keep the bucket small
        # Blind votes are the owner's arena history: kept, and never under images/ (which the
        # CDN serves). Each is a small write-once object.
        "votes/": None,
    }
)

# The only keys CloudFront may read (bucket policy) -- the generated images and the web page's
# own files. Job records, rate-limit counters and anything added later stay private: a key
# not listed here answers 403 through the CDN.
IMAGES_PATTERN = "images/*"
PAGE_PATTERNS = ("index.html", "config.json", "assets/*")
CDN_READABLE = (IMAGES_PATTERN, *PAGE_PATTERNS)
