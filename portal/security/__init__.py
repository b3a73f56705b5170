"""Who may do what: the guard, the logged-in user, permissions, the access scope, security headers."""
