#!/usr/bin/env python3
"""The live channel seen by an independent client library (Debian's python3-websockets): a
browser-style connection with the token as a subprotocol and ?format=json receives the snapshot,
then the delta of an observation posted over HTTP.

Usage: live_client_test.py QUANYU_BINARY CONFIG. Exits 77 (skipped) without python3-websockets."""
import asyncio
import datetime
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.request

try:
    import websockets
except ImportError:
    print("python3-websockets is not installed: skipped (scripts/install-deps.sh --test)")
    sys.exit(77)


def start(binary, config, data_dir):
    process = subprocess.Popen(
        [binary, "serve", "--config", config, "--listen", "127.0.0.1:0", "--data-dir", data_dir],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    for line in process.stdout:
        match = re.search(r"Quanyu is listening on http://127\.0\.0\.1:(\d+)/", line)
        if match:
            return process, int(match.group(1))
    raise RuntimeError("quanyu did not start")


def post_observation(port):
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = json.dumps({"id": "py-live-1", "source": "python", "observedAt": now,
                       "position": {"x": 106.5775, "y": 29.5574},
                       "smokeDetection": {"towerId": "py-tower", "confidence": 0.7}}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/v1/observations", data=body, method="POST",
        headers={"Authorization": "Bearer quanyu-demo-feed", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 202, reply.status


async def check(port):
    url = f"ws://127.0.0.1:{port}/ws/situation?format=json"
    async with websockets.connect(
            url, subprotocols=["quanyu.v1", "quanyu.token.quanyu-demo-wall"],
            compression="deflate") as ws:
        assert ws.subprotocol == "quanyu.v1", ws.subprotocol
        first = json.loads(await asyncio.wait_for(ws.recv(), 10))
        assert "snapshot" in first, first
        snapshot_seq = int(first.get("seq", "0"))  # proto3 JSON leaves out a zero
        await asyncio.get_running_loop().run_in_executor(None, post_observation, port)
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            if "delta" in message:
                break
        assert int(message["seq"]) > snapshot_seq, message["seq"]
        incidents = message["delta"]["incidents"]
        assert len(incidents) == 1 and incidents[0]["kind"] == "INCIDENT_KIND_FIRE", incidents
        assert incidents[0]["district"]["adcode"] == "500103", incidents[0]["district"]
    # A bad token is refused before the upgrade.
    try:
        async with websockets.connect(url, subprotocols=["quanyu.v1", "quanyu.token.nope"]):
            raise AssertionError("a bad token was accepted")
    except websockets.exceptions.InvalidStatusCode as refused:
        assert refused.status_code == 401, refused.status_code


def main():
    binary, config = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="quanyu-live-py-") as data_dir:
        process, port = start(binary, config, os.path.join(data_dir, "state"))
        try:
            asyncio.run(check(port))
        finally:
            process.terminate()
            process.wait(timeout=15)
    print("live channel: snapshot and delta received by python3-websockets")


if __name__ == "__main__":
    main()
