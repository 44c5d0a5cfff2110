import json
import requests
from api_auth import APICredentials, APIParams

class Create_Library:
    def __init__(self):
        self.host = "https://services.uplynk.com"

    def run(self):
        self._create_library()

    def _create_library(self):
        url = f"{self.host}/api/v4/libraries"
        payload = {
            "desc": "Marketing Library",
            "allow_copy": True,
            "is_ad": False
        }
        headers = {'Content-Type': 'application/json'}

        response = requests.post(
            url, params=APIParams(APICredentials()).get_params({}), data=json.dumps(payload), headers=headers
        )

        print(response.json())

Create_Library().run()
