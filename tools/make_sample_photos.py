"""Draw the sample session's stand-in photos into samples/sample-session/images (see samples/README.md)."""

from __future__ import annotations

import sys

from sample_photos.cli import main

if __name__ == "__main__":
    sys.exit(main())
