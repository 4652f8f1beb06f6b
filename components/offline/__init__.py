"""Offline: the mock engine (`engine`), the project on disk (`project`), `render`, and the CLI."""
