"""The ``curio`` command: a thin shell over the same functions the app uses.

Contract (DESIGN.md): every command that prints results takes ``--json``; exit 0 on success,
2 on bad input with a one-line reason on stderr. No stack traces reach the user.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError

from assistant.errors import CurioError
from assistant.limits import check_file_size, check_text, upload_bytes
from assistant.preflight import check_port, check_settings, check_writable_folder, reason
from assistant.runtime import Parts, build
from assistant.settings import Settings, get_settings, offline_switches


class UsageError(CurioError):
    """Bad command-line words."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exits with 2 and a usage block
        raise UsageError(
            f"{message} (see `curio {self.prog.split()[-1]} --help`)"
            if " " in self.prog
            else f"{message} (see `curio --help`)"
        )


def _settings(args: argparse.Namespace) -> Settings:
    base = get_settings()
    updates: dict[str, Any] = {}
    if getattr(args, "index", None):
        updates["index"] = Path(args.index)
    return base.model_copy(update=updates) if updates else base


def _progress(enabled: bool) -> Callable[[Iterable[Any], int], Iterable[Any]] | None:
    if not enabled:
        return None
    from tqdm import tqdm

    def wrap(items: Iterable[Any], total: int) -> Iterable[Any]:
        return tqdm(
            items,
            total=total,
            desc="embedding",
            unit="batch",
            file=sys.stderr,
            disable=None,
            leave=False,
        )

    return wrap


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


# ---------------------------------------------------------------------------- commands


def cmd_ingest(args: argparse.Namespace, parts: Parts) -> int:
    check_settings(parts.settings, index=True)
    index = parts.store()
    report = index.ingest(
        [Path(p) for p in args.paths], rebuild=args.rebuild, progress=_progress(not args.json)
    )
    alone = report.files_read == 0 and len(report.skipped) == 1
    for skipped in [] if alone else report.skipped:
        print(str(skipped), file=sys.stderr)
    if args.json:
        _print_json(report.to_json())
    else:
        print(report.summary())
    if report.files_read == 0:
        raise CurioError("nothing could be ingested" + (f": {report.skipped[0]}" if alone else ""))
    return 0


def cmd_remove(args: argparse.Namespace, parts: Parts) -> int:
    check_settings(parts.settings, index=True)
    index = parts.store()
    known = {str(r["key"]): r for r in index.sources()} if index.exists() else {}
    missing = [k for k in args.keys if k not in known]
    if missing:
        raise CurioError(f"not in the index: {', '.join(missing)} (see `curio sources`)")
    report = index.ingest([], remove_keys=args.keys)
    if args.json:
        _print_json(report.to_json())
    else:
        print(f"removed {', '.join(args.keys)}; {report.total} chunks in the index")
    return 0


def cmd_sources(args: argparse.Namespace, parts: Parts) -> int:
    check_settings(parts.settings, index=True, corpus=True)
    rows = parts.index.sources()
    if args.json:
        _print_json({"sources": rows})
    else:
        for r in rows:
            print(
                f"{r['key']}  ({r['chunks']} chunks)  {r['title']}"
                + (f" — {r['publisher']} {r['year']}" if r["publisher"] else "")
            )
    return 0


def cmd_search(args: argparse.Namespace, parts: Parts) -> int:
    from assistant.citations import format_citation
    from assistant.retrieve import Retriever
    from assistant.types import Citation

    settings = parts.settings
    check_settings(settings, index=True, corpus=True)
    retriever = parts.retriever
    if args.retriever and args.retriever != settings.retriever:
        retriever = Retriever(parts.index, mode=args.retriever)
    hits = retriever.search(args.query, k=args.k if args.k is not None else settings.k)
    if args.json:
        _print_json({"hits": [h.to_json() for h in hits]})
        return 0
    if not hits:
        print("Nothing in the guidance matched that search.")
    for n, hit in enumerate(hits, start=1):
        citation = format_citation(Citation.from_hit(hit))
        print(f"[{n}] {citation}  [{hit.chunk.source}]  relevance {hit.relevance:.2f}")
        text = " ".join(hit.chunk.text.split())
        print(f"    {text[:400]}{'…' if len(text) > 400 else ''}\n")
    return 0


def _read_draft(file: str, settings: Settings) -> str:
    """A draft from stdin or a file, read by the same loaders as uploads in the app (.docx,
    .pdf, .md, .txt, .html); a file with another extension is read as plain text."""
    from assistant.ingest import SUPPORTED, decode_text, read_text

    if file == "-":
        return decode_text(sys.stdin.buffer.read(), "standard input")
    path = Path(file)
    if path.is_dir():
        raise CurioError(f"{file} is a folder: give the draft's file (or - for standard input)")
    if not path.is_file():
        raise CurioError(f"no such file: {file}")
    check_file_size(file, path.stat().st_size, settings.max_upload_mb)
    if path.suffix.lower() in SUPPORTED:
        return read_text(path, max_bytes=upload_bytes(settings.max_upload_mb))
    try:
        return decode_text(path.read_bytes(), file)
    except OSError as exc:
        raise CurioError(f"cannot read {file}: {exc.strerror or exc}") from exc


def cmd_review(args: argparse.Namespace, parts: Parts) -> int:
    """Review a draft. Unreadable, empty, binary or over-long input is bad input (exit 2); text
    that is not case material or not English is a valid review with a message (exit 0)."""
    from assistant.casefile import case_for_review, load_cues, render_case
    from assistant.review import render_review

    settings = parts.settings
    check_settings(settings, index=True, corpus=True, audit=True, prompts=True)
    load_cues(Path(settings.prompts_dir) / "casefile.yaml")  # a bad edit fails before the review
    text = _read_draft(args.file, settings)
    name = "standard input" if args.file == "-" else args.file
    check_text(text, settings.max_text_chars, name)
    try:
        parts.retriever  # noqa: B018 - opened now so a missing index is one line, not a failure
    except CurioError as exc:  # flags and questions still stand without citations
        print(f"curio: no citations ({exc.message})", file=sys.stderr)
        parts = parts.without_retriever()
    result = parts.without_model().curio.review(text)
    # the review's own gate: a text not about a family gets no people table (one note instead)
    cues = load_cues(Path(settings.prompts_dir) / "casefile.yaml")
    case = case_for_review(text, result.is_case_material, cues)
    outcome = _case_status_by_model(parts, case, text)
    note = outcome.note if outcome else ""
    case = outcome.case if outcome else case
    if args.json:
        _print_json(result.to_json() | case.to_json() | ({"status_note": note} if note else {}))
    else:
        print(render_review(result, text))
        if result.message and result.flags:
            print(result.message)
        print()
        print(render_case(case))
        if note:
            print(note)
    return 0


def _case_status_by_model(parts: Parts, case: Any, text: str) -> Any:
    """With ``CURIO_CASE_LLM=true``, the model's quoted reading of seen and checks (an
    ``llm_status.Outcome``); None when it is off. A missing model is a note, not a failure."""
    from assistant.casefile.llm_status import status_reader
    from assistant.prompts import load_prompts

    settings = parts.settings
    if not settings.case_llm:
        return None
    reread = status_reader(
        parts.llm, lambda: load_prompts(settings.prompts_dir), settings.llm_timeout, parts.audit
    )
    return reread(case, text)


def cmd_ask(args: argparse.Namespace, parts: Parts) -> int:
    from assistant.chat import render_text

    check_settings(parts.settings, index=True, corpus=True, audit=True, prompts=True)
    curio = parts.curio
    answer = curio.ask(args.question)
    if args.json:
        _print_json(answer.to_json())
    else:
        print(render_text(answer))
    return 0


def cmd_eval(args: argparse.Namespace, parts: Parts) -> int:
    if args.ask:
        from assistant.ask_eval import run_ask

        if args.report:
            raise UsageError("--report is for the review evaluation; drop --ask or --report")
        split = args.split or "dev"
        if split == "all":
            raise UsageError("--ask scores one split at a time: use --split tune, dev or test")
        return run_ask(parts, split=split, as_json=args.json, verbose=args.verbose)
    from assistant.evaluation import run

    check_settings(parts.settings, evals=True, prompts=True)
    if args.report:
        check_writable_folder(Path(args.report), "--report")
    return run(split=args.split or "all", as_json=args.json, report=args.report, parts=parts)


def cmd_serve(args: argparse.Namespace, parts: Parts) -> int:
    from assistant.app import serve

    settings = parts.settings
    updates: dict[str, Any] = {}
    if args.host is not None:
        if not args.host.strip():
            raise CurioError("--host is empty: give an address such as 127.0.0.1.")
        updates["host"] = args.host.strip()
    if args.port is not None:
        check_port(args.port)
        updates["port"] = args.port
    serve(settings.model_copy(update=updates) if updates else settings)
    return 0


# ---------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="curio", description="Curio: questions, not verdicts.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def add(
        name: str,
        handler: Callable[[argparse.Namespace, Parts], int],
        help_: str,
        index: bool = True,
        json_flag: bool = True,
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        if index:
            p.add_argument("--index", metavar="DIR", help="where the index lives (CURIO_INDEX)")
        if json_flag:
            p.add_argument("--json", action="store_true", help="print JSON")
        return p

    p = add("serve", cmd_serve, "Start the app in a browser.", index=False, json_flag=False)
    p.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (default 7860)")

    p = add("ingest", cmd_ingest, "Add documents (md, txt, pdf, docx, html) to the index.")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--rebuild", action="store_true", help="start the index again from empty")

    p = add("remove", cmd_remove, "Remove documents from the index (names as in `curio sources`).")
    p.add_argument("keys", nargs="+", metavar="SOURCE")

    add("sources", cmd_sources, "List the documents in the index.")

    p = add("search", cmd_search, "Search the guidance.")
    p.add_argument("query")
    p.add_argument("--k", type=int, help="how many passages (default CURIO_K, 5)")
    p.add_argument("--retriever", choices=["hybrid", "dense", "bm25"])

    p = add("review", cmd_review, "Review a draft assessment, plan or case note.")
    p.add_argument("file", metavar="FILE|-")

    p = add("ask", cmd_ask, "Ask a question about the guidance.")
    p.add_argument("question")

    p = add(
        "eval",
        cmd_eval,
        "Score the review engine on the evaluation scenarios, or (--ask) `curio ask` on "
        "labelled questions.",
    )
    p.add_argument(
        "--split",
        choices=["tune", "dev", "test", "all"],
        default=None,
        help="review: tune, dev, test or all (default); --ask: tune, dev (default) or test",
    )
    p.add_argument("--report", metavar="DIR", help="write a Markdown report with a chart")
    p.add_argument(
        "--ask", action="store_true", help="score `curio ask` on evals/ask/SPLIT.jsonl instead"
    )
    p.add_argument(
        "--verbose", action="store_true", help="with --ask: print the answers that failed"
    )
    return parser


def _debug() -> bool:
    try:
        return get_settings().debug
    except Exception:  # the settings themselves may be what is wrong
        return os.environ.get("CURIO_DEBUG", "").lower() in ("1", "true", "yes")


def settings_problem(exc: ValidationError) -> str:
    """A pydantic error about CURIO_ variables, as one line a person can act on."""
    first = exc.errors()[0]
    name = "CURIO_" + str(first["loc"][0]).upper() if first.get("loc") else "a CURIO_ setting"
    return f"the setting {name} is not valid: {first['msg']}"


def os_problem(exc: OSError) -> str:
    """An OSError that got past the checks, as one line naming the path and the cause."""
    where = exc.filename or "a file or folder Curio needed"
    return f"cannot use {where}: {reason(exc)} (check the CURIO_ settings and paths you gave)"


def main(argv: Sequence[str] | None = None, parts: Parts | None = None) -> int:
    """Run one command. ``parts`` replaces what the settings would build (tests hand in fakes)."""
    offline_switches()
    try:
        args = build_parser().parse_args(argv)
        if parts is None:
            parts = build(_settings(args), progress=_progress(not getattr(args, "json", False)))
        return int(args.handler(args, parts))
    except CurioError as exc:
        print(f"curio: {exc.message}", file=sys.stderr)
        return 2
    except ValidationError as exc:
        print(f"curio: {settings_problem(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("curio: stopped; nothing was changed by the interrupted step.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a path or port the user chose that the system refused
        print(f"curio: {os_problem(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # the last line of defence: one line, never a traceback
        if _debug():
            raise
        print(
            f"curio: unexpected problem ({type(exc).__name__}: {exc}); "
            "run with CURIO_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
