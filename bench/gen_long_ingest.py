#!/usr/bin/python3
"""A longer history of the same containers, for the streaming-ingest benchmark
(docs/scale.md): the file bench/gen_ingest_data.py writes (1,000 pods x 2
containers, 12 h at 15 s, about 1.1 GB), COPIES times over, each copy's timestamps
shifted by SHIFT_HOURS times its number. Same pods, same containers, COPIES times the
polls. Write it under /tmp and never commit it:

    bench/gen_ingest_data.py /tmp/podfit-ingest.jsonl
    bench/gen_long_ingest.py /tmp/podfit-ingest.jsonl 9 /tmp/podfit-ingest-9x.jsonl [12]
"""
import datetime
import re
import sys

STAMP = re.compile(rb'(imestamp":")(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)')
FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    source, copies, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    shift_hours = float(sys.argv[4]) if len(sys.argv) == 5 else 12.0
    with open(out, "wb") as sink:
        for copy in range(copies):
            shift = datetime.timedelta(hours=shift_hours * copy)
            cache = {}

            def shifted(match):
                stamp = match.group(2)
                new = cache.get(stamp)
                if new is None:
                    when = datetime.datetime.strptime(stamp.decode(), FORMAT) + shift
                    new = cache[stamp] = when.strftime(FORMAT).encode()
                return match.group(1) + new

            with open(source, "rb") as lines:
                for line in lines:
                    sink.write(STAMP.sub(shifted, line) if copy else line)


main()
