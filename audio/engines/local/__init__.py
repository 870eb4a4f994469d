"""The local separation engine: Demucs and Spleeter in a supervised runner process.

``engine.LocalEngine`` is the entry point; ``runner`` is the subprocess program and
``supervisor`` the port that starts, feeds and watches it.
"""
