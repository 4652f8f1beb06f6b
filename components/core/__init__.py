"""The pure core: config models, the mount rules, planning and the Job spec.

Nothing here imports pulumi (a test imports this package in a fresh
interpreter and says so): the rules are plain functions over typed models,
tested without mocks, and `python -m components job` uses them directly.
"""
