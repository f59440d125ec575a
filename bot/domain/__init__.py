"""Pure rules: no I/O, no database, no Telegram."""
