#!/usr/bin/env python3
"""The load and the clock of scripts/benchmark-latency: append-to-trigger latency of `flywheel serve`.

Produces data.arrived CloudEvents at a steady rate, each one firing one trigger, and reads the trigger topic
read_committed (as an orchestrator would). For every trigger, matched to its input by the cause id in its data:
  append  = the trigger record's timestamp - the input record's timestamp (both set when the record was produced,
            on this machine's clock: input append to trigger append, as the issue defines it)
  visible = when this reader received the trigger - the input record's timestamp (what a downstream consumer
            waits, including the commit of the trigger's transaction in exactly-once mode)
Prints one line per measure with p50, p99 and max in milliseconds, plus how many triggers were matched.
"""
import argparse
import datetime
import json
import sys
import threading
import time

from confluent_kafka import Consumer, Producer, TopicPartition


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--trigger-topic", required=True)
    parser.add_argument("--rate", type=int, default=5000, help="events per second")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--keys", type=int, default=1000)
    args = parser.parse_args()
    count = args.rate * args.seconds

    received = {}  # cause id -> (trigger timestamp ms, receive time ms)
    done = threading.Event()
    ready = threading.Event()

    def read_triggers():
        consumer = Consumer({
            "bootstrap.servers": args.bootstrap_servers, "group.id": f"latency-probe-{time.time()}",
            "auto.offset.reset": "earliest", "isolation.level": "read_committed", "enable.auto.commit": False,
            "session.timeout.ms": 6000, "fetch.wait.max.ms": 5,
        })
        consumer.subscribe([args.trigger_topic], on_assign=lambda c, partitions: ready.set())
        while not done.is_set():
            message = consumer.poll(0.05)
            if message is None or message.error():
                continue
            now = time.time() * 1000
            data = json.loads(message.value())
            for cause in data.get("cause", []):
                if cause["id"].startswith("lat-"):  # not the warm-up event that created the topic
                    received.setdefault(cause["id"], (message.timestamp()[1], now))
            if len(received) >= count:
                break
        consumer.close()

    reader = threading.Thread(target=read_triggers)
    reader.start()
    if not ready.wait(60):
        done.set()
        sys.exit("the trigger reader got no assignment within 60 s")

    producer = Producer({"bootstrap.servers": args.bootstrap_servers, "linger.ms": 1, "acks": "all",
                         "partitioner": "murmur2_random"})
    sent = {}  # event id -> produce timestamp ms
    start = time.time()
    per_tick = max(1, args.rate // 200)  # one tick every 5 ms
    for index in range(count):
        if index % per_tick == 0:
            due = start + index / args.rate
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)
            producer.poll(0)
        key = f"ds-{index % args.keys:04d}"
        stamp = int(time.time() * 1000)
        event_time = datetime.datetime.fromtimestamp(stamp / 1000, datetime.timezone.utc)
        event_id = f"lat-{index:08d}"
        value = json.dumps({
            "specversion": "1.0", "id": event_id, "source": f"s3://lake/{key}", "type": "data.arrived",
            "time": event_time.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp % 1000:03d}Z",
            "data": {"dataset": key, "version": f"v{index}", "rows": index % 5000, "bytes": index % 90000,
                     "location": f"s3://lake/{key}/v{index}"},
        }, separators=(",", ":"))
        producer.produce(args.topic, key=key, value=value, timestamp=stamp,
                         headers={"content-type": "application/cloudevents+json"})
        sent[event_id] = stamp
    producer.flush(30)
    sending = time.time() - start

    deadline = time.time() + 60
    while len(received) < count and time.time() < deadline:
        time.sleep(0.1)
    done.set()
    reader.join()

    matched = [(sent[i], *received[i]) for i in sent if i in received]
    if len(matched) < count:
        missing = sorted(i for i in sent if i not in received)
        sys.exit(f"only {len(matched)} of {count} triggers arrived within 60 s of the last input; missing: "
                 f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    append = [trigger - stamp for stamp, trigger, _ in matched]
    visible = [seen - stamp for stamp, _, seen in matched]
    print(f"sent {count} events in {sending:.1f} s ({count / sending:,.0f}/s), {len(matched)} triggers matched")
    for name, values in (("append", append), ("visible", visible)):
        print(f"{name} p50={percentile(values, 0.50):.0f} p99={percentile(values, 0.99):.0f} max={max(values):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
