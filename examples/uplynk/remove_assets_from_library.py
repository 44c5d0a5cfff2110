import requests
from api_auth import APICredentials, APIParams

class Remove_Assets_From_Library:
    def __init__(self, library_id, asset_ids):
        self.host = "https://services.uplynk.com"
        self.library_id = library_id
        self.asset_ids = asset_ids

    def run(self):
        self._remove_assets_from_library()

    def _remove_assets_from_library(self):
        url = f"{self.host}/api/v4/libraries/{self.library_id}/assets"
        params = {"ids": ",".join(self.asset_ids)}
        params.update(APIParams(APICredentials()).get_params({}))  # the seed's sample omits the auth parameters
        headers = {'Content-Type': 'application/json'}
        response = requests.delete(
            url, params=params, headers=headers
        )
        print(response.json())

Remove_Assets_From_Library("8b69f969c65e481385281331520cf1e2", ["789012", "345678"]).run()
