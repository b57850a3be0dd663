"""fastlint: a static-analysis linter for FastAPI applications."""

__version__ = "0.1.0"
