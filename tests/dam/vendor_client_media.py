# Runs the vendor's Unicat client (shared/clients/unicat-py, unchanged) against a test server:
# publish, download, publish_transformed, download_transformed of one asset. Prints one JSON line.
# argv: server_url project_gid api_key local_folder asset_gid
import json
import os
import sys

from unicat import Unicat, UnicatTransform

server, project_gid, api_key, folder, asset_gid = sys.argv[1:6]
unicat = Unicat(server, project_gid, api_key, folder)
try:
    unicat.connect()
except TypeError:
    # connect()'s own data handling is issue 7 section 1 (another helper's part); the JWT from
    # /auth is adopted before that step, so the DAM calls below run with it either way
    pass

asset = unicat.get_asset(asset_gid)
out = {"name": asset.name, "is_file": asset.is_file}
out["public_url"] = asset.publish()
out["download"] = asset.download()
transform = UnicatTransform(resize="fill", width=400, height=300, type="jpg", dpr=2, optimize=True)
out["transformed_url"] = asset.publish_transformed(transform)
out["download_transformed"] = asset.download_transformed(transform)
thumb = UnicatTransform(resize="width", width=120, type="png", key="thumb")
out["thumb_url"] = asset.publish_transformed(thumb)
out["download_thumb"] = asset.download_transformed(thumb)
out["files"] = sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)
print(json.dumps(out))
