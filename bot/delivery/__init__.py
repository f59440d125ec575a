"""Outgoing traffic: the outbox, the one flood-controlled sender, live tally messages."""
