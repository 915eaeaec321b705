"""Build (or check) the trained review model, its whole-text judge and the case file's
learned readers:
``python -m assistant.review``.

``make install`` runs this so the first review does not wait for training; it takes seconds when
the cached model is already there and sound.
"""

from __future__ import annotations

import sys
import time


def main() -> int:
    from assistant.errors import CurioError
    from assistant.review import build_reviewer
    from assistant.settings import get_settings

    started = time.perf_counter()
    try:
        build_reviewer()
        # the case file's learned role classifier and status readers, trained from the
        # labelled texts on first use (a few minutes on two cores): here, not in a first review
        from assistant.casefile.learn import role_model
        from assistant.casefile.learn_status import status_model

        role_model()
        status_model()
    except CurioError as exc:
        print(f"curio: {exc}", file=sys.stderr)
        return 2
    took = time.perf_counter() - started
    print(f"curio: review model ready in {get_settings().cache_dir} ({took:.1f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
