"""`python -m desktop_app [FILE] [--sample]`."""

import sys

from desktop_app.app import main

sys.exit(main())
