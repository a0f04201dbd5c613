"""Scorers: a built warehouse measured against the generator's ground truth."""
