"""``make bench-e2e``: the whole stack measured end to end, side by side with a stock ``rasa init`` bot.

Prints figures and writes them as JSON under ``results/bench/``; asserts nothing (targets are
reported as met / not met, never enforced).
"""
