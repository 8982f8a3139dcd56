"""``python -m gan_core``: the ``gan`` command."""

from gan_core.cli import main

raise SystemExit(main())
