"""The sample session's stand-in photos, drawn from a simple 3-D model of the car in a parking lot."""
