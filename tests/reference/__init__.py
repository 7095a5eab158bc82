"""Plain reference implementations: straightforward code over the
construct-parsed model, that the fast consumers are proven equal to."""
