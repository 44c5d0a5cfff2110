import json
import requests
from api_auth import APICredentials, APIParams

class Add_Assets_To_Library:
    def __init__(self, library_id, asset_id):
        self.host = "https://services.uplynk.com"
        self.library_id = library_id
        self.asset_id = asset_id
    
    def run(self):
        self._add_assets_to_library()

    def _add_assets_to_library(self):
        url = f"{self.host}/api/v4/libraries/{self.library_id}/assets"
        payload = {"asset_id": self.asset_id}
        headers = {"Content-Type": "application/json"}
        
        response = requests.patch(
            url, params=APIParams(APICredentials()).get_params({}), data=json.dumps(payload), headers=headers
        )
        
        print(response.json())

Add_Assets_To_Library("8b69f969c65e481385281331520cf1e2", "7a08bca2").run()
