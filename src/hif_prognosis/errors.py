"""Errors whose message is the whole story: each names the file, the field and the fix.

A job that raises one ends with that message on the console (``runlog.logged_step``); the
traceback goes to the job's log only, since it would say nothing more to the user.
"""


class PipelineError(Exception):
    """Base of the errors a user can act on from the message alone."""


class InputError(PipelineError, ValueError):
    """Input data or configuration that the pipeline cannot use as given."""
