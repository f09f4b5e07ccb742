"""Peer evaluation (民主评议/互评): rounds, turnout, sealed anonymous ballots, results."""
