"""The JSON API of tracks, jobs and engine accounts."""
