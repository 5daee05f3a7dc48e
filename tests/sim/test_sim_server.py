"""The served emulator keeps HTTP/1.1 connections alive (one TCP connection per client, not per
request), frames every request by its body so kept-alive streams never desynchronise, and
closes open connections when it stops."""

from __future__ import annotations

import socket

import httpx
import pytest

from reconciler.sim.testing import running_sim

V3 = "/api/fota/v3"
ACC = "0000123456-00001"


def _raw_exchange(port: int, requests: list[bytes]) -> list[bytes]:
    """Send requests one after the other on ONE socket; return each raw response."""
    out: list[bytes] = []
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        reader = sock.makefile("rb")
        for request in requests:
            sock.sendall(request)
            status = reader.readline()
            headers: dict[str, str] = {}
            while (line := reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = reader.read(int(headers.get("content-length", "0")))
            out.append(status + body)
    return out


def test_many_requests_share_one_connection() -> None:
    with running_sim(devices=10) as sim:
        headers = sim.auth_headers()
        port = int(sim.url.rsplit(":", 1)[1])
        get = (
            f"GET {V3}/firmware/{ACC}?protocol=all HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {headers['Authorization']}\r\n"
            f"VZ-M2M-Token: {headers['VZ-M2M-Token']}\r\n\r\n"
        ).encode()
        # A refused POST whose body the app never reads must not leak into the next request.
        junk = b'{"not": "read"}' * 10
        post = (
            f"POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Length: {len(junk)}\r\n\r\n"
        ).encode() + junk
        answers = _raw_exchange(port, [get, post, get, get])
    assert [a.split(b" ", 2)[1] for a in answers] == [b"200", b"404", b"200", b"200"]
    assert b"firmwareName" in answers[3]


def test_a_client_keeps_its_connection_and_sees_the_simulated_date() -> None:
    with running_sim(devices=10) as sim, httpx.Client(base_url=sim.url) as client:
        headers = sim.auth_headers()
        first = client.get(f"{V3}/firmware/{ACC}", params={"protocol": "all"}, headers=headers)
        second = client.get(f"{V3}/firmware/{ACC}", params={"protocol": "all"}, headers=headers)
        assert first.status_code == second.status_code == 200
        assert "connection" not in {k.lower() for k in second.headers}
        assert second.headers["Date"] == "Mon, 02 Mar 2026 09:00:00 GMT"
        assert second.json() == first.json()


def test_stopping_the_server_closes_kept_alive_connections() -> None:
    client = httpx.Client(timeout=5)
    try:
        with running_sim(devices=10) as sim:
            url = sim.url
            assert client.get(f"{url}/_sim/health").status_code == 200
        with pytest.raises(httpx.TransportError):
            client.get(f"{url}/_sim/health")
    finally:
        client.close()


def test_a_drop_fault_closes_the_kept_alive_connection_and_the_next_request_reconnects() -> None:
    with running_sim(devices=10) as sim, httpx.Client(base_url=sim.url) as client:
        rule = {"kind": "drop", "rate": 1.0, "path": "/api/fota/v3/firmware/*", "times": 1}
        assert client.post("/_sim/faults", json=rule).status_code == 200
        headers = sim.auth_headers()
        with pytest.raises(httpx.RemoteProtocolError):
            client.get(f"{V3}/firmware/{ACC}", params={"protocol": "all"}, headers=headers)
        again = client.get(f"{V3}/firmware/{ACC}", params={"protocol": "all"}, headers=headers)
        assert again.status_code == 200


def test_a_chunked_request_is_still_served_then_the_connection_closes() -> None:
    with running_sim(devices=10) as sim:
        port = int(sim.url.rsplit(":", 1)[1])
        body = b'{"frozen": true}'
        request = (
            b"POST /_sim/clock HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + f"{len(body):x}\r\n".encode()
            + body
            + b"\r\n0\r\n\r\n"
        )
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(request)
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    assert data.startswith(b"HTTP/1.1 200")
    assert b"Connection: close" in data
    assert b'"frozen":true' in data
