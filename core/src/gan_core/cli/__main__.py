"""``python -m gan_core.cli``: the ``gan`` command, for launchers such as ``torchrun -m``."""

from gan_core.cli import main

raise SystemExit(main())
