#!/usr/bin/env python3
"""The baseline of scripts/benchmark-serve: one sum-threshold rule in a plain confluent-kafka consumer.

Reads structured CloudEvents (JSON values) in a consumer group, adds `data.rows` of each `data.arrived` event to its
dataset's sum, and when a sum reaches the threshold produces a small JSON trigger keyed by the dataset and starts
that sum again. Offsets are committed every --commit-every messages and once at the end. Timed from the first
message to the last one's commit, after the triggers are delivered; prints `baseline count=N seconds=S rate=R`.
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--output-topic", required=True)
    parser.add_argument("--group", default="serve-baseline")
    parser.add_argument("--count", type=int, required=True, help="stop after this many messages")
    parser.add_argument("--threshold", type=int, default=100_000, help="fire when a dataset's rows reach this")
    parser.add_argument("--commit-every", type=int, default=1000)
    args = parser.parse_args()

    consumer = Consumer({
        "bootstrap.servers": args.bootstrap_servers,
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_uncommitted",
        "session.timeout.ms": 6000,
    })
    producer = Producer({"bootstrap.servers": args.bootstrap_servers, "acks": "all", "linger.ms": 5,
                         "partitioner": "murmur2_random"})
    consumer.subscribe([args.topic])

    sums: dict[str, int] = {}
    seen = fired = since_commit = 0
    start = None
    while seen < args.count:
        messages = consumer.consume(num_messages=1000, timeout=1.0)
        if not messages:
            continue
        if start is None:
            start = time.monotonic()
        for message in messages:
            if message.error():
                raise KafkaException(message.error())
            seen += 1
            since_commit += 1
            try:
                event = json.loads(message.value())
            except (TypeError, ValueError):
                continue
            if event.get("type") != "data.arrived":
                continue
            data = event.get("data") or {}
            dataset, rows = data.get("dataset"), data.get("rows")
            if not isinstance(dataset, str) or not isinstance(rows, int):
                continue
            total = sums.get(dataset, 0) + rows
            if total >= args.threshold:
                trigger = {"type": "retrain.requested", "dataset": dataset, "rows": total, "cause": event.get("id")}
                producer.produce(args.output_topic, key=dataset, value=json.dumps(trigger))
                producer.poll(0)
                fired += 1
                total = 0
            sums[dataset] = total
        if since_commit >= args.commit_every:
            consumer.commit(asynchronous=True)
            since_commit = 0
    if producer.flush(30) != 0:
        print("baseline: triggers not delivered", file=sys.stderr)
        return 1
    consumer.commit(asynchronous=False)
    seconds = time.monotonic() - start
    consumer.close()
    print(f"baseline count={seen} triggers={fired} seconds={seconds:.3f} rate={int(seen / seconds)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
