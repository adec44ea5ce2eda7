"""Attacks on the shipped HAProxy configuration: slow bodies, slowloris, unsafe re-sends.

Each test runs one more HAProxy on ``deploy/haproxy.cfg`` in front of the cluster's
nodes, with the edge's bounds scaled down through the variables the configuration reads
(a 2 s request timeout instead of 10 s, 20 connections per address instead of 64, 200
in all instead of 2048), so each attack is over in seconds with a few hundred sockets.
The attacker connects from 127.0.0.2; the real client it must not hurt from 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time

from tests.cluster.clients import Prober, SlowSender, request
from tests.cluster.conftest import Cluster
from tests.reliability.fault_proxy import Fault, FaultPlan, FaultProxy, FaultRule

REQUEST_TIMEOUT = 2
#: How late a cut may come past the request timeout (HAProxy's timers, a loaded machine).
SLACK = 1.5
ATTACKER = "127.0.0.2"


def _prober(cluster: Cluster, base_url: str) -> Prober:
    username, token = cluster.sign_up()
    auth = {"Authorization": f"Bearer {token}"}
    post = json.dumps({"text": "still here"}).encode()
    return Prober(
        base_url,
        [
            ("GET", "/health", {}, None),
            ("GET", "/api/v1/me", auth, None),
            (
                "POST",
                f"/api/v1/users/{username}/collection",
                {**auth, "Content-Type": "application/json"},
                post,
            ),
        ],
    )


def _attack(sender: SlowSender, prober: Prober, duration: float) -> None:
    probing = threading.Thread(target=prober.run, daemon=True)
    probing.start()
    try:
        sender.run(duration)
    finally:
        prober.stop.set()
        probing.join(timeout=30)


def test_slow_bodies_take_no_node_slot_and_are_cut_within_the_request_timeout(
    healthy: Cluster,
) -> None:
    # 60 bodies a byte every 0.25 s: before the fix each held one of the nodes' 60 slots
    # (3 x maxconn 20) and every other request, /health included, waited 5 s for a 503.
    head = (
        b"POST /api/v1/users HTTP/1.1\r\nHost: microblog\r\n"
        b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"
    )
    with healthy.edge({"MICROBLOG_LB_REQUEST_TIMEOUT": f"{REQUEST_TIMEOUT}s"}) as edge:
        prober = _prober(healthy, edge.url)
        sender = SlowSender(edge.port, ATTACKER, 60, opening=head, drip=b" ")
        _attack(sender, prober, duration=2 * REQUEST_TIMEOUT + SLACK)

    assert len(prober.results) > 20
    assert {status for _, status, _ in prober.results} <= {200, 201}, prober.results
    assert prober.worst() < 1.0, prober.results
    assert sender.longest_open() < REQUEST_TIMEOUT + SLACK
    assert all(c.received.startswith(b"HTTP/1.1 408") for c in sender.connections)


def test_one_address_gets_a_bounded_number_of_connections_and_slow_headers_are_cut(
    healthy: Cluster,
) -> None:
    # 250 connections sending a header line every 0.25 s, more than the whole balancer
    # takes (200 here, 2048 shipped): before the fix they filled it and real requests
    # waited until the attacker stopped.
    bounds = {
        "MICROBLOG_LB_REQUEST_TIMEOUT": f"{REQUEST_TIMEOUT}s",
        "MICROBLOG_LB_MAXCONN": "200",
        "MICROBLOG_LB_CONNECTIONS_PER_SOURCE": "20",
    }
    with healthy.edge(bounds) as edge:
        prober = _prober(healthy, edge.url)
        sender = SlowSender(
            edge.port,
            ATTACKER,
            250,
            opening=b"GET /api/v1/users HTTP/1.1\r\nHost: microblog\r\n",
            drip=b"X-Slow: 1\r\n",
        )
        _attack(sender, prober, duration=REQUEST_TIMEOUT + 2 * SLACK)

    assert {status for _, status, _ in prober.results} <= {200, 201}, prober.results
    assert prober.worst() < 1.0, prober.results
    opened = min(c.opened for c in sender.connections)
    assert sender.open_at(opened + 1.0) <= 20  # the rest were refused as they came
    assert sender.longest_open() < REQUEST_TIMEOUT + SLACK


def test_only_requests_safe_to_repeat_are_sent_again_when_a_node_answers_nothing(
    healthy: Cluster,
) -> None:
    # Each node behind a proxy that, once per armed rule, lets the node do the work and
    # then closes the connection without a byte of the answer: what HAProxy sees when a
    # node dies after committing.
    username, token = healthy.sign_up()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    plan = FaultPlan()
    proxies = [FaultProxy(node.url, plan) for node in healthy.nodes]
    for proxy in proxies:
        proxy.__enter__()
    try:
        settings = {
            f"MICROBLOG_NODE{n}": p.url.removeprefix("http://") for n, p in enumerate(proxies, 1)
        }
        with healthy.edge(settings) as edge:

            def send(method: str, path: str, body: object = None, **headers: str) -> int:
                plan.add(
                    FaultRule(Fault.DROP_RESPONSE, match=lambda m, p: (m, p) == (method, path))
                )
                data = None if body is None else json.dumps(body).encode()
                answer = request(edge.url, method, path, headers={**auth, **headers}, body=data)
                return answer.status

            created = request(
                edge.url,
                "POST",
                f"/api/v1/users/{username}/collection",
                headers=auth,
                body=b'{"text": "first"}',
            )
            assert created.status == 201
            post = json.loads(created.body)
            path = f"/api/v1/users/{username}/collection/{post['id']}"
            etag = created.headers["etag"]

            # Not re-sent: the node applied them; a second try would fail its If-Match
            # (412) or find nothing (404) and hide that success. The client gets a 502.
            assert send("PATCH", path, {"text": "edited"}, **{"If-Match": etag}) == 502
            assert json.loads(request(edge.url, "GET", path, headers=auth).body)["text"] == "edited"
            assert send("DELETE", path) == 502
            assert request(edge.url, "GET", path, headers=auth).status == 404
            # Re-sent on another node: a read, and a keyed POST (its answer replayed).
            assert send("GET", f"/api/v1/users/{username}") == 200
            collection = f"/api/v1/users/{username}/collection"
            keyed = {"Idempotency-Key": f"edge-{time.monotonic()}"}
            assert send("POST", collection, {"text": "once"}, **keyed) == 201
            listed = json.loads(request(edge.url, "GET", collection, headers=auth).body)
            assert [item["text"] for item in listed["result"]] == ["once"]
            # A POST without a key is not re-sent either: it may have created something.
            assert send("POST", collection, {"text": "maybe"}) == 502
    finally:
        for proxy in proxies:
            proxy.__exit__(None, None, None)
