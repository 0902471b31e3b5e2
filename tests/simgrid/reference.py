#!/usr/bin/env python3
"""Reference completion times from SimGrid 3.32 for clustersim's network-model cross-checks.

Run with Debian's Python and `python3-simgrid` (apt-get install python3-simgrid):

    /usr/bin/python3 tests/simgrid/reference.py > sim-core/tests/simgrid_reference.txt

Each case is a set of cables (a SimGrid split-duplex link: two directions of equal bandwidth,
the same as a clustersim full-duplex cable) joining hosts, and flows that all start at t = 0 along
an explicit list of (cable, direction) hops. For each network model the script prints one line
per flow: `case model flow finish_time_seconds` with 17 significant digits. The same cases are
built in sim-core/tests/simgrid.rs.
"""
import sys

import simgrid
from simgrid import Actor, Comm, Engine, Host, LinkInRoute, NetZone

# (name, cables, flows); cables: (name, a, b, bandwidth B/s, latency s);
# flows: (src, dst, bytes, [(cable, +1 for a->b or -1 for b->a), ...])
CASES = [
    ("one_flow", [("c", "h0", "h1", 1.25e9, 5e-6)], [("h0", "h1", 1e9, [("c", 1)])]),
    (
        "parking_lot_latency",
        [
            ("l1", "n0", "n1", 12.5e9, 1e-3),
            ("l2", "n1", "n2", 12.5e9, 2e-3),
            ("l3", "n2", "n3", 6.25e9, 3e-3),
        ],
        [
            ("n0", "n3", 1e9, [("l1", 1), ("l2", 1), ("l3", 1)]),
            ("n0", "n1", 0.5e9, [("l1", 1)]),
            ("n1", "n2", 0.25e9, [("l2", 1)]),
            ("n1", "n2", 1e9, [("l2", 1)]),
            ("n2", "n3", 0.1e9, [("l3", 1)]),
        ],
    ),
    (
        "opposite_directions",
        [("c", "h0", "h1", 1e9, 1e-4)],
        [("h0", "h1", 1e8, [("c", 1)]), ("h1", "h0", 2e8, [("c", -1)])],
    ),
    (
        "star_mixed_rtt",
        [
            ("a", "h0", "sw", 1.25e9, 1e-6),
            ("b", "h1", "sw", 1.25e9, 50e-6),
            ("c", "h2", "sw", 1.25e9, 2e-3),
            ("d", "h3", "sw", 1.25e9, 1e-6),
        ],
        [
            ("h0", "h3", 5e8, [("a", 1), ("d", -1)]),
            ("h1", "h3", 5e8, [("b", 1), ("d", -1)]),
            ("h2", "h3", 5e8, [("c", 1), ("d", -1)]),
            ("h3", "h0", 1e8, [("d", 1), ("a", -1)]),
        ],
    ),
    (
        "window_bound",
        [("wan", "h0", "h1", 12.5e9, 40e-3)],
        [("h0", "h1", 1e9, [("wan", 1)])],
    ),
]


def run(case, model):
    name, cables, flows = case
    e = Engine(["reference", f"--cfg=network/model:{model}", "--log=root.thres:critical"])
    zone = NetZone.create_full_zone("zone")
    nodes = sorted({c[1] for c in cables} | {c[2] for c in cables})
    hosts = {n: zone.create_host(n, 1e9) for n in nodes}
    links = {}
    for (cname, a, b, bw, lat) in cables:
        l = zone.create_split_duplex_link(cname, bw)
        l.set_latency(lat)
        l.seal()
        links[cname] = (l, a, b)
    routes = {}
    for (src, dst, _, hops) in flows:
        routes[(src, dst)] = hops
    # SimGrid's cross-traffic needs the reverse route: the same cables, other directions.
    for (src, dst), hops in list(routes.items()):
        routes.setdefault((dst, src), [(c, -d) for (c, d) in reversed(hops)])
    for (src, dst), hops in routes.items():
        path = [LinkInRoute(links[c][0], LinkInRoute.Direction.UP if d > 0 else LinkInRoute.Direction.DOWN)
                for (c, d) in hops]
        zone.add_route(hosts[src].netpoint, hosts[dst].netpoint, None, None, path, False)
    zone.seal()
    finish = [None] * len(flows)

    def driver():
        comms = [Comm.sendto_async(hosts[s], hosts[d], int(size)) for (s, d, size, _) in flows]
        pending = list(range(len(flows)))
        while pending:
            i = Comm.wait_any([comms[k] for k in pending])
            finish[pending[i]] = Engine.clock
            pending.pop(i)

    Actor.create("driver", hosts[nodes[0]], driver)
    e.run()
    return finish


def main():
    # SimGrid's engine is a per-process singleton (its clock and model survive a new Engine), so
    # every (case, model) runs in a fresh process.
    if len(sys.argv) == 3:
        case = next(c for c in CASES if c[0] == sys.argv[1])
        for i, t in enumerate(run(case, sys.argv[2])):
            print(f"{case[0]} {sys.argv[2]} {i} {t:.17g}")
        return
    import subprocess

    print("# case model flow finish_s -- SimGrid", simgrid.simgrid_version)
    for case in CASES:
        for model in ("CM02", "LV08"):
            out = subprocess.run([sys.executable, __file__, case[0], model], capture_output=True, text=True, check=True)
            sys.stdout.write(out.stdout)


if __name__ == "__main__":
    main()
