"""The engine: reading, parsing, traversal, name resolution, project index, fixes and cache.

The engine is handed the enabled rules; it imports none of them.
"""
