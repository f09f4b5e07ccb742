"""The case (办件): its states, decision rules and use cases."""
