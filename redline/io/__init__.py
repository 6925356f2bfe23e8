"""Everything that touches files: reading datasets, writing outputs."""
