"""Presentation: figures (``plotting``), the names of rankings on them (``labels``), and the
summary page (``summary`` with ``templates/``)."""
