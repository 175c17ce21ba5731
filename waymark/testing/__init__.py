"""The test kit: what every app's tests share.

The root ``conftest.py`` loads :mod:`waymark.testing.plugin` (``pytest_plugins``), which gives the
whole suite its settings (a fast password hasher, the second factor off), the ``frozen`` clock
fixture and per-worker paths under pytest-xdist. Helpers are imported from here::

    from waymark.testing import NOW, user_make
    from waymark.testing import reference_data

Nothing in the running system imports this package.
"""

from __future__ import annotations

from waymark.testing.clock import NOW
from waymark.testing.users import PASSWORD, user_make

__all__ = ["NOW", "PASSWORD", "user_make"]
