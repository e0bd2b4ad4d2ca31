"""Errors raised for bad input: each message names the file, the field and the fix."""


class InputError(ValueError):
    """Input data or configuration that the pipeline cannot use as given."""
