"""``python -m rankscope`` runs the command line (:func:`rankscope.cli.main`)."""

from rankscope.cli import main

main()
