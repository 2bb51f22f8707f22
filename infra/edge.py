"""What CloudFront adds at the edge: CORS on the images, security headers on the page.

Images are fetched by pages on other origins (fetch(), canvases); the page itself must not be
framed, sniffed or loaded over plain HTTP. Each is a response-headers policy attached to its
cache behaviour; the local CDN (local/run/cdn.py) reads the same policies back and applies them.
"""

from __future__ import annotations

from troposphere import Sub, Template
from troposphere import cloudfront as cf

# The page's own Content-Security-Policy (frontend/index.html's meta tag) plus what only a
# header can say: frame-ancestors. A test keeps the two in step.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' https: http: data: blob:; connect-src 'self' https: http:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
TWO_YEARS_SECONDS = 63_072_000  # HSTS max-age commonly required for preload lists
ONE_DAY_SECONDS = 86_400
# Headers a script on another origin may read from an image response (CORS safelisted ones,
# Content-Type among them, are always readable).
IMAGE_EXPOSED_HEADERS = ["Content-Length", "ETag"]


def _nosniff() -> cf.ContentTypeOptions:
    return cf.ContentTypeOptions(Override=True)


def _hsts() -> cf.StrictTransportSecurity:
    return cf.StrictTransportSecurity(
        AccessControlMaxAgeSec=TWO_YEARS_SECONDS, IncludeSubdomains=True, Override=True
    )


def add_images_headers_policy(t: Template) -> cf.ResponseHeadersPolicy:
    """CORS for any origin: images are public by URL already, and carry no credentials."""
    return t.add_resource(
        cf.ResponseHeadersPolicy(
            "ImagesHeadersPolicy",
            ResponseHeadersPolicyConfig=cf.ResponseHeadersPolicyConfig(
                Name=Sub("${AWS::StackName}-images"),
                CorsConfig=cf.CorsConfig(
                    AccessControlAllowCredentials=False,
                    AccessControlAllowHeaders=cf.AccessControlAllowHeaders(Items=["*"]),
                    AccessControlAllowMethods=cf.AccessControlAllowMethods(Items=["GET", "HEAD"]),
                    AccessControlAllowOrigins=cf.AccessControlAllowOrigins(Items=["*"]),
                    AccessControlExposeHeaders=cf.AccessControlExposeHeaders(
                        Items=IMAGE_EXPOSED_HEADERS
                    ),
                    AccessControlMaxAgeSec=ONE_DAY_SECONDS,
                    # The edge answers for CORS, whatever the cached S3 response said (the
                    # cache key holds no Origin, so the origin's own answer could be stale).
                    OriginOverride=True,
                ),
                # Security headers only where they matter: on the page (below), not on images.
            ),
        )
    )


def add_page_headers_policy(t: Template) -> cf.ResponseHeadersPolicy:
    """HSTS, nosniff, no framing, a strict referrer policy and the page's CSP."""
    return t.add_resource(
        cf.ResponseHeadersPolicy(
            "PageHeadersPolicy",
            ResponseHeadersPolicyConfig=cf.ResponseHeadersPolicyConfig(
                Name=Sub("${AWS::StackName}-page"),
                SecurityHeadersConfig=cf.SecurityHeadersConfig(
                    StrictTransportSecurity=_hsts(),
                    ContentTypeOptions=_nosniff(),
                    FrameOptions=cf.FrameOptions(FrameOption="DENY", Override=True),
                    ReferrerPolicy=cf.ReferrerPolicy(
                        ReferrerPolicy="strict-origin-when-cross-origin", Override=True
                    ),
                    ContentSecurityPolicy=cf.ContentSecurityPolicy(
                        ContentSecurityPolicy=PAGE_CSP, Override=True
                    ),
                ),
            ),
        )
    )
