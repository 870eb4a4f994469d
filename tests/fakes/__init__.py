"""Test doubles that are real servers or processes (never mocked libraries)."""
