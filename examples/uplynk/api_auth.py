"""Uplynk API authentication, as Uplynk documents it (msg/sig query parameters).

    msg = base64(zlib.compress(json.dumps({"_owner": <user id>, "_timestamp": <unix seconds>, ...}), 9))
    sig = hex HMAC-SHA256 of msg, keyed with the user's API key

In API v4 the operation's data goes in the JSON body; `msg` carries only _owner and _timestamp,
so the samples call get_params({}). Credentials come from the environment:

    UPLYNK_OWNER    your user id (assetlib: the user gid, dashed or 32 hex)
    UPLYNK_API_KEY  your API key (assetlib: `assetlib user create` / `assetlib key create` prints it)
"""
import base64
import hashlib
import hmac
import json
import os
import time
import zlib


class APICredentials:
    def __init__(self, owner=None, secret=None):
        self.owner = owner if owner is not None else os.environ["UPLYNK_OWNER"]
        self.secret = secret if secret is not None else os.environ["UPLYNK_API_KEY"]

    def __repr__(self):
        return "APICredentials(owner=%r)" % self.owner


class APIParams:
    def __init__(self, credentials):
        self.credentials = credentials

    def get_params(self, data):
        data = dict(data)
        data["_owner"] = self.credentials.owner
        data["_timestamp"] = int(time.time())
        msg = base64.b64encode(zlib.compress(json.dumps(data).encode("utf-8"), 9)).decode("ascii")
        sig = hmac.new(self.credentials.secret.encode("utf-8"), msg.encode("ascii"), hashlib.sha256).hexdigest()
        return {"msg": msg, "sig": sig}
