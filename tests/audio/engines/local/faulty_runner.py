"""A runner that misbehaves on demand, for the supervisor's failure tests.

``python -m tests.audio.engines.local.faulty_runner`` is the product runner, except
that when the file named by FAULT_FILE_ENV exists, the next request reads its word
(``garbage``, ``hang``: no output and no cancel point, ``quiet``: no output until
cancelled, or ``pause <seconds>``: no output for that long, then the job as usual),
deletes the file and misbehaves accordingly.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

from audio.engines.local import runner

FAULT_FILE_ENV = "SOUNDFORGE_RUNNER_FAULT_FILE"
logger = logging.getLogger(__name__)


class FaultyRunnerServer(runner.RunnerServer):
    def run_job(self, request, report, cancelled):
        fault_file = Path(os.environ.get(FAULT_FILE_ENV, "/nonexistent"))
        if fault_file.is_file():
            fault = fault_file.read_text().strip()
            fault_file.unlink()
            logger.warning("injecting test fault %r", fault)
            if fault == "garbage":
                self.out.write(b"this line is not protocol JSON\n")
                self.out.flush()
            elif fault == "hang":
                time.sleep(3600)
            elif fault == "quiet":
                cancelled.wait(3600)
            elif fault.startswith("pause "):  # silent for that many seconds, then works normally
                time.sleep(float(fault.split()[1]))
        return super().run_job(request, report, cancelled)


if __name__ == "__main__":
    sys.exit(runner.main(server_class=FaultyRunnerServer))
