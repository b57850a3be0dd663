"""Screens (Rule.could_fire): False on unrelated files, True on tricky positives."""
