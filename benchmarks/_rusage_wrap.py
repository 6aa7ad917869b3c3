"""Run a command, then write the peak RSS of its largest descendant (``RUSAGE_CHILDREN``).

Usage: ``python _rusage_wrap.py OUT.json COMMAND [ARGS...]``. The exit status is the command's.
Used by :mod:`memory` so that earlier children of the harness do not mask the number.
"""

import json
import resource
import subprocess
import sys

if __name__ == "__main__":
    out, argv = sys.argv[1], sys.argv[2:]
    rc = subprocess.call(argv)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as fh:
        json.dump({"ru_maxrss_kib": usage.ru_maxrss, "returncode": rc}, fh)
    sys.exit(rc)
