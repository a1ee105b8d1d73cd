"""``sim explore``: the explorer served on localhost with a workshop form (see session.py)."""
