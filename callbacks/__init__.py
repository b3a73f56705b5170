"""Page callbacks: thin — check the role (via protected_callback), call a service, shape the result."""
