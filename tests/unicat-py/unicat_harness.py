"""Harness for driving the vendor's Unicat client (../shared/clients/unicat-py, unchanged) from
the vitest tests in this folder (harness.ts runs the scripts).

A script starts with `from unicat_harness import *`, reads its arguments from ARGS, drives the
client and ends with done(...): the keyword arguments go back to the test as JSON. step(...)
pauses it while the test acts (the test's onStep callback). An exception fails the test with the
Python traceback.

The connection comes from the environment: UNICAT_URL, UNICAT_PROJECT, UNICAT_API_KEY and
UNICAT_FOLDER (the client's local asset folder), exactly the four things a user configures.
"""
import json
import os
import sys
import tempfile

from unicat import Unicat, UnicatError  # noqa: F401  (re-exported for the scripts)
from unicat.job import UnicatJob  # noqa: F401
from unicat.utils import DuckObject  # noqa: F401

ARGS = json.loads(os.environ.get("HARNESS_ARGS") or "{}")

_done = False


def connect(api_key=None, folder=None):
    """A connected Unicat client, configured with base URL, project gid and API key only."""
    unicat = Unicat(
        os.environ["UNICAT_URL"],
        os.environ["UNICAT_PROJECT"],
        api_key or os.environ["UNICAT_API_KEY"],
        folder or os.environ["UNICAT_FOLDER"],
    )
    if unicat.connect() is not True:
        raise AssertionError("connect() did not succeed")
    return unicat


def asset_json(asset):
    """The client's view of an asset (through its properties), as JSON for the test."""
    if asset is None:
        return None
    return {
        "gid": asset.gid,
        "pathname": asset.pathname,
        "path": asset.path,
        "name": asset.name,
        "is_file": asset.is_file,
        "type": asset.type,
        "childcount": asset.childcount,
        "status": asset.status,
        "is_deleted": asset.is_deleted,
        "info": asset.info,
        "title": asset.title,
        "description": asset.description,
        "transforms": asset.transforms,
        "updated_on": asset.updated_on,
        "version": asset._data.get("version"),
    }


def error_of(fn, *args, **kwargs):
    """Calls fn expecting a UnicatError; returns {code, message, info} (fails when none is raised)."""
    try:
        fn(*args, **kwargs)
    except UnicatError as e:
        return {"code": e.code, "message": e.message, "info": e.info}
    raise AssertionError(f"{getattr(fn, '__name__', fn)} raised no UnicatError")


def local_file(name, content):
    """Writes a file under a fresh temporary folder (its basename is `name`) and returns its path."""
    path = os.path.join(tempfile.mkdtemp(prefix="unicat-py-"), name)
    with open(path, "wb") as f:
        f.write(content.encode() if isinstance(content, str) else content)
    return path


def step(**data):
    """Pauses the script: the test's onStep callback gets `data`, acts (e.g. changes things through
    another dialect), and its return value comes back here."""
    print("HARNESS_STEP " + json.dumps(data), flush=True)
    line = sys.stdin.readline()
    return json.loads(line) if line.strip() else None


def done(**result):
    """Hands the result to the test (one JSON line on stdout)."""
    global _done
    if _done:
        raise AssertionError("done() called twice")
    _done = True
    print("HARNESS_RESULT " + json.dumps(result), flush=True)
