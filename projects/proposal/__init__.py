"""Proposing a development project (the SME with its manager) and its eligibility (staff)."""
