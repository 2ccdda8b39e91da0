"""Korea's outline (GeoJSON), with its source and licence inside the file."""
