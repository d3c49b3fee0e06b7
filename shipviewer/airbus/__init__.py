"""The Airbus format: RLE codec, CSV read/validate/write, the competition metric, image files and headers."""
