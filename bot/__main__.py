"""`python -m bot` is the `minhu` command."""

import sys

from bot.cli import main

sys.exit(main())
