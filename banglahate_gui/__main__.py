"""`python -m banglahate_gui` starts the desktop app."""

from banglahate_gui.app.main import main

raise SystemExit(main())
