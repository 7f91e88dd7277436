"""Tools for testing the factory against a misbehaving world: the tests, the benches and users' own drills use them."""
