"""``python -m evals.casefile --split tune|test [--held-out [--quick | --folds K]] [--rules-status]
[--json] [--verbose]``"""

from __future__ import annotations

import argparse
import json
import sys

from assistant.errors import CurioError
from evals.casefile import SPLITS, evaluate, render


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m evals.casefile", description=__doc__)
    ap.add_argument("--split", choices=SPLITS, required=True)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    ap.add_argument("--verbose", action="store_true", help="list each text's misses")
    ap.add_argument(
        "--held-out",
        action="store_true",
        help="score each tune file with the role classifier trained without it",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="with --held-out: read the status readers' training examples once a file "
        "(faster for logistic readers; it still trains the boosted trees once a file, "
        "so use --folds for them)",
    )
    ap.add_argument(
        "--folds",
        type=int,
        default=0,
        metavar="K",
        help="with --held-out: deal the tune files into K folds and score each fold with "
        "models trained on the others (for readers too slow to train once a file)",
    )
    ap.add_argument(
        "--rules-status",
        action="store_true",
        help="read seen, seen alone and checks with the rules alone, without the learned "
        "readers' second opinion (learn_status)",
    )
    ap.add_argument(
        "--learned-status",
        action="store_true",
        help="the default since round thirteen; kept so older commands still run",
    )
    args = ap.parse_args(argv)
    if args.quick and not args.held_out:
        ap.error("--quick goes with --held-out")
    if args.folds and (not args.held_out or args.quick or args.folds < 2):
        ap.error("--folds K goes with --held-out (not --quick), K at least 2")
    try:
        total, rows = evaluate(
            args.split,
            held_out=args.held_out,
            learned_status=not args.rules_status,
            quick=args.quick,
            folds=args.folds,
        )
    except CurioError as exc:
        print(f"evals.casefile: {exc.message}", file=sys.stderr)
        return 2
    if args.json:
        texts = [{k: v for k, v in r.items() if k != "_tally"} for r in rows]
        print(json.dumps({"split": args.split, **total.figures(), "texts": texts}, indent=2))
    else:
        print(render(args.split, total, rows, args.verbose))
    return 0


if __name__ == "__main__":
    sys.exit(main())
