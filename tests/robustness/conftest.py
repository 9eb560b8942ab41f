"""Fixtures of the robustness tests: the small matching programme of the assessment tests."""

from tests.assessments.conftest import pool  # noqa: F401 - reused as it is
