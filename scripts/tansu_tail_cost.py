#!/usr/bin/env python3
"""Tansu's CPU while a consumer follows a growing topic, without Flywheel: the test broker's own cost.

Starts Tansu ($FLYWHEEL_TANSU, in-memory) on a free port, produces small records at a steady rate to a 4-partition
topic and, unless --no-consumer, reads them at the tail with a consumer group (as serve and the latency probe do).
Prints, every interval, the share of one core that Tansu used in it. Run with `source scripts/env.sh` first.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time

from confluent_kafka import Consumer, Producer


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=int, default=5000)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--interval", type=float, default=4)
    parser.add_argument("--no-consumer", action="store_true")
    args = parser.parse_args()

    binary = os.environ.get("FLYWHEEL_TANSU")
    if not binary or not os.access(binary, os.X_OK):
        sys.exit("FLYWHEEL_TANSU does not name the Tansu binary: run `source scripts/env.sh` (after scripts/setup.sh) first")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"127.0.0.1:{port}"
    tansu = subprocess.Popen(
        [binary, "broker", "--listener-url", f"tcp://{address}", "--advertised-listener-url",
         f"tcp://{address}", "--storage-engine", "memory://tansu/"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        producer = Producer({"bootstrap.servers": address, "linger.ms": 1, "acks": "all"})
        producer.produce("tail", value=b"{}")  # creates the topic (Tansu's default: 4 partitions)
        producer.flush(30)
        done = threading.Event()

        def follow() -> None:
            consumer = Consumer({"bootstrap.servers": address, "group.id": "tail-cost", "auto.offset.reset": "earliest",
                                 "session.timeout.ms": 6000, "fetch.wait.max.ms": 20})
            consumer.subscribe(["tail"])
            while not done.is_set():
                consumer.consume(1000, 0.05)
            consumer.close()

        reader = None if args.no_consumer else threading.Thread(target=follow)
        if reader:
            reader.start()
            time.sleep(4)  # the group's first join
        start = time.time()
        mark, used = start, cpu_seconds(tansu.pid)
        for index in range(args.rate * args.seconds):
            if index % max(1, args.rate // 200) == 0:
                pause = start + index / args.rate - time.time()
                if pause > 0:
                    time.sleep(pause)
                producer.poll(0)
                if time.time() - mark >= args.interval:
                    now, total = time.time(), cpu_seconds(tansu.pid)
                    print(f"{now - start:5.1f} s, {index:,} records: Tansu used {100 * (total - used) / (now - mark):.0f} % of a core")
                    mark, used = now, total
            producer.produce("tail", key=f"k{index % 1000}", value=json.dumps({"index": index, "pad": "x" * 200}))
        producer.flush(30)
        del producer  # closed before the broker goes
        done.set()
        if reader:
            reader.join()
    finally:
        tansu.terminate()
        tansu.wait()


if __name__ == "__main__":
    main()
