"""The EM Hub's API (docs/platform-contracts.md, ``api/``): the supplier's signed events
(``supplier``) and the figures for machine clients (``figures``), mounted in ``config/api.py``."""
