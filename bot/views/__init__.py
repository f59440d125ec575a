"""Texts and keyboards, built from data/texts, used by handlers and jobs alike."""
