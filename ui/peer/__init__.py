"""互评 screens: rounds, the ballot sheet, turnout and results."""
