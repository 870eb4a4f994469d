"""The JSON API of jobs, settings and the lalal.ai account."""
