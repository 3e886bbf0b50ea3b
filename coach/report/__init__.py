"""The report of one call (``CallReport``) and its renderings. Renderers read only the report."""
