"""Q-Corner: quarantine service and supervision portal."""


def create_app(settings=None):
    """Build the Dash app on its Flask server (imported lazily: nothing happens at import time)."""
    # Lazy: `import portal` (the CLI, the scheduler, every service) must not load Dash and every page.
    from portal.app import create_app as _create_app

    return _create_app(settings)
