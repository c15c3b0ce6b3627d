"""SigV4 reference signatures from botocore (AWS's own Python signer), for the test
vectors in Tests/StudioTests/AWSSigV4Tests.swift. Run: python3 scripts/aws/sigv4_vectors.py
(needs botocore from PyPI). Prints one JSON object per vector: the request as signed and
the Authorization header botocore computes for it at a fixed time."""
import datetime
import json
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5)
KEY_ID, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
VECTORS = [
    ("converse-stream", "POST", "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse-stream",
     {"Content-Type": "application/json", "Accept": "application/vnd.amazon.eventstream"},
     '{"messages":[{"role":"user","content":[{"text":"Hi"}]}],"inferenceConfig":{"maxTokens":64}}', None),
    ("session-token", "POST", "https://bedrock-runtime.eu-central-1.amazonaws.com/model/amazon.nova-lite-v1%3A0/converse",
     {"Content-Type": "application/json", "Accept": "application/json"},
     '{"messages":[{"role":"user","content":[{"text":"Grüße"}]}]}', "IQoJb3JpZ2luX2VjEXAMPLETOKEN+/=="),
    ("list-with-query", "GET", "https://bedrock.us-west-2.amazonaws.com/foundation-models?byProvider=Anthropic&byOutputModality=TEXT",
     {"Accept": "application/json"}, None, None),
]

for name, method, url, headers, body, token in VECTORS:
    request = AWSRequest(method=method, url=url, headers=dict(headers), data=body.encode() if body else None)
    region = url.split("//")[1].split(".")[1]
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN):
        SigV4Auth(Credentials(KEY_ID, SECRET, token), "bedrock", region).add_auth(request)
    print(json.dumps({"name": name, "method": method, "url": url, "headers": headers, "body": body, "token": token,
                      "x_amz_date": request.headers["X-Amz-Date"], "authorization": request.headers["Authorization"]}))
