#!/usr/bin/python3
"""Input for bench_ingest: 1,000 pods x 2 containers per line, 2,880 lines (12 h at 15 s).

About 1.1 GB; write it under /tmp and never commit it:
    bench/gen_ingest_data.py /tmp/podfit-ingest.jsonl
"""
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else "/tmp/podfit-ingest.jsonl"
tool = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools", "gen_trace.py")
os.execv("/usr/bin/python3", [
    "/usr/bin/python3", tool,
    "--families", "steady,diurnal,bursty,step,leak,jvm,startup,batch",
    "--workloads", "100", "--pods-per-workload", "10", "--containers", "2",
    "--duration", "12h", "--interval", "15", "--seed", "42",
    "--name-prefix", "bench", "--namespace", "bench", "-o", out,
])
