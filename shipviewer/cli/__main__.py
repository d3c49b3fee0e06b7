"""``python -m shipviewer.cli``: the same as ``shipviewer``."""

import sys

from shipviewer.cli.main import main

sys.exit(main())
