"""The Content-Security-Policy: the browser runs only the portal's own scripts, from the portal's own host.

Everything is served from this host (Bootstrap, icons and fonts from assets/, Dash's bundles with serve_locally), so
no outside origin is ever needed. Dash writes a few inline scripts into its index page (the renderer start-up and
clientside callbacks); they are allowed by their hashes, computed once all callbacks are registered, never by
'unsafe-inline'. Styles keep 'unsafe-inline': Plotly and AG Grid insert <style> elements at run time, and a style
cannot run code.
"""
from __future__ import annotations


def policy(script_hashes) -> str:
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'", *script_hashes],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "worker-src": ["'self'"],  # the service worker, /sw.js (portal/web/pwa.py)
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(f"{name} {' '.join(values)}" for name, values in directives.items())


def install(app, https: bool = False) -> None:
    """Send the policy with every response of the Dash app's server (call after the callbacks are registered).

    `https`: the portal is served over TLS (secure cookies), so browsers are told never to use plain HTTP again.
    """
    header = policy(app.csp_hashes())

    @app.server.after_request
    def _content_security_policy(response):
        response.headers.setdefault("Content-Security-Policy", header)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if https:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
