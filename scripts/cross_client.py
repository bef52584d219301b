#!/usr/bin/env python3
"""One side of a cross-client check, on Apache's C++ client core (PyPI rocketmq-client-python).

usage: cross_client.py produce|consume N RUNID      env: NAMESRV TOPIC GROUP FROM
Messages are body "<RUNID>:<i>", tag TagA, keys "KEY-<RUNID>-<i>", user property color=c<i>,
for i in FROM..FROM+N (FROM defaults to 0). consume exits 0 once i = 0..N all arrived with
every field intact; prints "PROGRESS n" as they arrive and "CONSUMED n/N DUP d" at the end (d:
deliveries of an i already seen).
"""
import os
import sys
import threading
import time

import rocketmq.client as rc

NAMESRV = os.environ.get('NAMESRV', '127.0.0.1:9876')
TOPIC = os.environ.get('TOPIC', 'CrossTopic')
GROUP = os.environ.get('GROUP', 'cross-group')


def txt(v):
    return v.decode('utf-8', 'replace') if isinstance(v, bytes) else v


def produce(n, run_id):
    p = rc.Producer('cross-producer-py')
    p.set_namesrv_addr(NAMESRV)
    p.start()
    first = int(os.environ.get('FROM', '0'))
    for i in range(first, first + n):
        m = rc.Message(TOPIC)
        m.set_body('%s:%d' % (run_id, i))
        m.set_tags('TagA')
        m.set_keys('KEY-%s-%d' % (run_id, i))
        m.set_property('color', 'c%d' % i)
        r = p.send_sync(m)
        if r.status != rc.SendStatus.OK:
            print('SEND %d failed: %s' % (i, r.status), flush=True)
            os._exit(1)
    print('PRODUCED %d' % n, flush=True)
    os._exit(0)


def consume(n, run_id):
    ok = set()
    bad = []
    dup = [0]
    lock = threading.Lock()

    def on_message(msg):
        body = txt(msg.body)
        if not body.startswith(run_id + ':'):
            return rc.ConsumeStatus.CONSUME_SUCCESS
        i = int(body.split(':')[1])
        fields = (txt(msg.tags), txt(msg.keys), txt(msg.get_property('color')))
        with lock:
            if fields == ('TagA', 'KEY-%s-%d' % (run_id, i), 'c%d' % i):
                if i in ok:
                    dup[0] += 1
                ok.add(i)
            else:
                bad.append((i, fields))
        return rc.ConsumeStatus.CONSUME_SUCCESS

    c = rc.PushConsumer(GROUP)
    c.set_namesrv_addr(NAMESRV)
    c.subscribe(TOPIC, on_message, 'TagA')
    c.start()
    print('CONSUMER started', flush=True)
    deadline = time.time() + int(os.environ.get('HARNESS_TIMEOUT_S', '60'))
    shown = 0
    while time.time() < deadline and len(ok) < n and not bad:
        time.sleep(0.2)
        if len(ok) != shown:
            shown = len(ok)
            print('PROGRESS %d' % shown, flush=True)
    print('CONSUMED %d/%d DUP %d%s' % (len(ok), n, dup[0], (' BAD %r' % bad[:3]) if bad else ''),
          flush=True)
    os._exit(0 if len(ok) == n and not bad else 1)


if __name__ == '__main__':
    mode, count, rid = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    produce(count, rid) if mode == 'produce' else consume(count, rid)
