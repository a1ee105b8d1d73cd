"""The decision-makers' report: one self-contained HTML file with charts, in Swedish or English."""
