"""The document rendering benchmark: JSON, HTML and PDF of the demo's recommendation."""
