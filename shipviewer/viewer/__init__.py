"""The viewer's Qt-free state: image catalog, the image on screen and its layers, options, overlays, scans."""
