"""Entry script of the frozen desktop build: the same `main` as the `banglahate-gui` command."""

from banglahate_gui.app.main import main

raise SystemExit(main())
