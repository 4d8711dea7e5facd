"""`python -m wfmock` runs the command line."""

from wfmock.cli import main

raise SystemExit(main())
