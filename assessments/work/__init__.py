"""The manager's workspace: visits, findings, recommendations, the report's submission."""
