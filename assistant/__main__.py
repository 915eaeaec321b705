"""``python -m assistant`` is the same as ``curio``."""

import sys

from assistant.cli import main

sys.exit(main())
