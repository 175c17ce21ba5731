"""Forms for enforcement operations' pages, by page family: ``planning``, ``field`` and ``measures``."""
