"""``tlsdoctor lab``: reproduce TLS failures with real pip on loopback.

    tlsdoctor lab list [--json]
    tlsdoctor lab serve NAME
    tlsdoctor lab reproduce NAME [--python PY] [--pip VERSION]
    tlsdoctor lab record [--scenario NAME ...] [--client ID ...] [--out DIR] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
from typing import Any, List

from tlsdoctor import exitcodes


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="lab_command", metavar="ACTION")
    p = sub.add_parser("list", help="every scenario, its description and the cause ids it demonstrates")
    p.add_argument("--json", action="store_true", help="print a JSON list")
    p = sub.add_parser("serve", help="start a scenario on loopback and serve until interrupted")
    p.add_argument("name", help="the scenario (see `tlsdoctor lab list`)")
    p = sub.add_parser("reproduce", help="serve a scenario and run real pip against it")
    p.add_argument("name", help="the scenario (see `tlsdoctor lab list`)")
    p.add_argument("--python", help="interpreter path, or a version (3.11) to use a lab venv")
    p.add_argument("--pip", help="pip version for a lab venv (with --python VERSION), e.g. 23.2.1")
    p.add_argument("--direct", action="store_true",
                   help="fetch the wheel by its URL (pip's download path) instead of through the index page")
    p.add_argument("--apply", metavar="NAME",
                   help="apply one of the scenario's fixes or dead ends first (tlsdoctor lab list --json names them)")
    p = sub.add_parser("record", help="run real pip in every scenario and save its output as recordings")
    p.add_argument("--scenario", action="append", default=[], help="only this scenario (repeatable)")
    p.add_argument("--client", action="append", default=[], help="only this client id, e.g. py3.11-pip23.2.1")
    p.add_argument("--out", help="directory for the recordings (default: the package's recordings/)")
    p.add_argument("--jobs", type=int, default=4, help="runs at once (default 4)")
    p.add_argument("--direct", action="store_true",
                   help="record pip's download path (the wheel's URL), saved as <client>.direct.json")
    p.add_argument("--tool", action="append", default=[],
                   help="record another tool instead of pip (uv0.13.9, poetry2.5.1-py3.13, ... or 'all'; "
                        "python -m tlsdoctor.lab.tools has more)")


def run(args: argparse.Namespace) -> int:
    action = getattr(args, "lab_command", None)
    if action is None:
        sys.stderr.write("usage: tlsdoctor lab {list,serve,reproduce,record} ...\n")
        return exitcodes.USAGE
    try:
        from tlsdoctor.lab import scenarios  # needs the [lab] extra (trustme)
    except ImportError as exc:
        sys.stderr.write("tlsdoctor lab: %s\n" % exc)
        return exitcodes.INCOMPLETE
    if action == "list":
        return _list(scenarios, args.json)
    try:
        if action == "serve":
            return _serve(scenarios.get(args.name))
        if action == "reproduce":
            return _reproduce(scenarios.get(args.name), args.python, args.pip, args.apply, args.direct)
        if action == "record":
            refusal = _refuse_installed_out(args)
            if refusal:
                sys.stderr.write(refusal + "\n")
                return exitcodes.USAGE
            if args.tool:
                from tlsdoctor.lab import tools

                return tools.record(args.scenario, args.tool, args.out, min(args.jobs, 2))
            from tlsdoctor.lab import record

            return record.main(args.scenario, args.client, args.out, args.jobs, "direct" if args.direct else "index")
    except KeyError as exc:
        sys.stderr.write("tlsdoctor lab: %s\n" % exc.args[0])
        return exitcodes.USAGE
    except (scenarios.ScenarioUnavailable, _client_errors()) as exc:
        sys.stderr.write("tlsdoctor lab: cannot run here: %s\n" % exc)
        return exitcodes.INCOMPLETE
    return exitcodes.USAGE


def _refuse_installed_out(args: argparse.Namespace) -> "str | None":
    """Without --out, record writes into the package's own data: only in a source checkout."""
    if args.out:
        return None
    from tlsdoctor.checkout import refuse_installed

    return refuse_installed("tlsdoctor lab record", os.path.dirname(os.path.abspath(__file__)), "--out")


def _client_errors() -> Any:
    from tlsdoctor.lab.clients import ClientBuildError, ClientUnavailable

    return (ClientUnavailable, ClientBuildError)


def _list(scenarios: Any, as_json: bool) -> int:
    items = [s.to_json() for s in scenarios.all()]
    if as_json:
        print(json.dumps(items, indent=2))
        return exitcodes.OK
    width = max(len(i["name"]) for i in items)
    pad = " " * width
    for i in items:
        causes = ", ".join(i["causes"]) or "(healthy control)"
        print("%-*s  %s\n%s  causes: %s" % (width, i["name"], i["description"], pad, causes))
        if i["causes"]:
            fails = _short(i["fails_with"]) or "none of the lab's clients"
            print("%s  pip fails: %s" % (pad, fails))
            if i["succeeds_with"]:
                print("%s  pip copes: %s" % (pad, _short(i["succeeds_with"])))
        if i["emulates"]:
            print("%s  emulates: %s" % (pad, i["emulates"]))
    return exitcodes.OK


def _short(client_ids: List[str]) -> str:
    """py3.11-pip23.2.1 -> 23.2.1 (3.11)"""
    from tlsdoctor.lab.clients import parse_id

    return ", ".join("%s (%s)" % tuple(reversed(parse_id(c))) for c in client_ids)


class _Stop(Exception):
    pass


def _serve(scenario: Any) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    # SIGTERM as well as Ctrl-C, so that `kill` also gets a clean shutdown
    # (peers stopped, temp dir removed).
    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        with scenario.start() as running:
            print(json.dumps({
                "scenario": scenario.name,
                "causes": list(scenario.causes),
                "index_url": running.index_url,
                "package": running.package,
                "env": running.env,
                # Set here, these would change what pip does in the scenario:
                # a client should unset them (the lab's own runs start from an
                # empty environment, clients.client_environ).
                "unset": interfering(running.env),
                "hint": "run pip with PIP_CONFIG_FILE=%s, the variables in env, and none of those in unset, "
                        "e.g. python -m pip download --no-deps -d /tmp/x %s" % (os.devnull, running.package),
            }), flush=True)
            try:
                while not stop.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return exitcodes.OK


_INTERFERING = re.compile(
    r"^(PIP_.*|.*_PROXY|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|OPENSSL_CONF|LD_PRELOAD)$",
    re.IGNORECASE,
)


# Values the lab's own client environment sets: harmless where a user has them.
_NEUTRAL = {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1",
            "PIP_NO_COLOR": "1"}


def interfering(scenario_env: dict) -> List[str]:
    """Variables of this environment that would change a pip run in the scenario."""
    return sorted(
        k for k, v in os.environ.items()
        if _INTERFERING.match(k) and k not in scenario_env and _NEUTRAL.get(k) != v
    )


def pick_client(python: str | None, pip: str | None) -> Any:
    from tlsdoctor.lab import clients

    if python and ("/" in python or python.startswith("python")):
        if pip:
            raise clients.ClientUnavailable("--pip goes with --python VERSION (a lab venv), not a path")
        import shutil

        path = python if "/" in python else shutil.which(python)
        if not path:
            raise clients.ClientUnavailable("no interpreter %r on PATH" % python)
        return clients.from_interpreter(path)
    if python or pip:
        minor = python or "3.11"
        builtin = {"2.7": "19.2.3", "3.6": "18.1"}
        return clients.ensure(minor, pip or builtin.get(minor) or _default_pip(minor))
    return clients.from_interpreter(sys.executable)


def _default_pip(minor: str) -> str:
    from tlsdoctor.lab import clients

    for py, pip in reversed(clients.DEFAULT_CLIENTS):
        if py == minor:
            return pip
    raise clients.ClientUnavailable("no default pip for Python %s; give --pip" % minor)


def _reproduce(scenario: Any, python: str | None, pip: str | None, apply: str | None = None,
               direct: bool = False) -> int:
    from tlsdoctor.lab import clients

    client = pick_client(python, pip)
    with scenario.start() as running:
        env = clients.client_environ(client, running.env_with(apply) if apply else running.env)
        argv = clients.pip_download_argv(client, running.workdir + "/download",
                                         running.wheel_url if direct else running.package)
        sys.stderr.write("tlsdoctor lab: %s with pip %s on Python %s\n$ %s\n" % (
            scenario.name, client.pip_version, client.python_version, " ".join(_shown(argv))))
        sys.stderr.flush()
        code, output = clients.run_pip(client, env, argv)
    sys.stdout.write(output)
    sys.stdout.flush()
    return code


def _shown(argv: List[str]) -> List[str]:
    return ["python" if i == 0 else a for i, a in enumerate(argv)]
