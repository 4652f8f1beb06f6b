"""Cloud buckets, one module per cloud, each importing only its own SDK, and only when a stack uses it."""
