"""gunicorn's settings for the web process (the Procfile's ``web``; gunicorn reads this file from the
working directory, and flags on its command line win).

The application is loaded once in the master and the workers are forked from it, with what the
pages load on first use already loaded: the ICD-10-CM code set of ``simple_icd_10_cm`` (claims'
diagnoses, prior authorizations) takes 1 to 2 s to load and about 185 MB. Loaded in each worker on
its first claim or authorization page, it made that page wait and cost every worker its own copy;
loaded here, the workers share the master's pages (copy-on-write) and answer their first request at
once.
"""

import gc

preload_app = True


def when_ready(server) -> None:
    """In the master, after the application is loaded and before the first worker is forked."""
    from django.db import connections

    from claims.diagnoses import load_code_set

    load_code_set()
    # Nothing above opens a database connection; if anything ever did, a forked worker must not
    # share its socket with the master or its siblings.
    connections.close_all()
    # Objects loaded so far live as long as the process: kept out of the collector's passes, so a
    # worker's collections do not write to (and copy) the pages it shares with the master.
    gc.freeze()
