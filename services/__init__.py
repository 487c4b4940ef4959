"""Service functions: every state change of the application goes through one of them."""
