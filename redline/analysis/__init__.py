"""Pure analysis: GeoDataFrames and arrays in, new ones out. Never opens a file."""
