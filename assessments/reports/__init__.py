"""The report: its page, its chart, its PDF, and the SME's feedback."""
