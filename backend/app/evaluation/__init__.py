"""Accuracy on the repository's evaluation sets (``eval/``): ``python -m app.evaluation guide``."""
