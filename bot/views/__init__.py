"""What users see: texts, keyboards, charts, workbooks, used by handlers and jobs alike."""
