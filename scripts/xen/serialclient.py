#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""Client for Bochs 'com1: mode=socket-server': logs everything the guest
writes to OUT and sends bytes appended to the file IN (e.g.
printf '\\x01\\x01\\x01v' >> IN types Ctrl-A x3 then 'v' on Xen's console).
With --stall N it also sends Ctrl-A x3 + KEYS by itself once, when the log has
shown 'Building a PVH Dom0' and then been silent for N seconds; with
--trigger TEXT, once when TEXT appears on the line."""
import socket, sys, time, os, argparse, select
ap = argparse.ArgumentParser()
ap.add_argument('port', type=int); ap.add_argument('out'); ap.add_argument('inp')
ap.add_argument('--stall', type=float, default=0); ap.add_argument('--keys', default='v')
ap.add_argument('--trigger', default='', help='also send Ctrl-A x3 + KEYS once when this text appears')
a = ap.parse_args()
open(a.inp, 'ab').close()
inpos = os.path.getsize(a.inp)
while True:
    try:
        s = socket.create_connection(('127.0.0.1', a.port)); break
    except OSError:
        time.sleep(0.5)
out = open(a.out, 'ab', buffering=0)
last = time.time(); seen = b''; fired = False; trig_fired = False
while True:
    r, _, _ = select.select([s], [], [], 1.0)
    if r:
        d = s.recv(65536)
        if not d: break
        out.write(d); last = time.time()
        seen = (seen + d)[-200000:]
        if a.trigger and not trig_fired and a.trigger.encode() in seen and \
                b'\n' in seen[seen.rindex(a.trigger.encode()):]:
            trig_fired = True
            time.sleep(2)
            sys.stderr.write('serialclient: saw %r, typing Ctrl-A x3 + %r\n' % (a.trigger, a.keys))
            for b in b'\x01\x01\x01' + a.keys.encode():
                s.sendall(bytes([b])); time.sleep(0.5)
    sz = os.path.getsize(a.inp)
    if sz > inpos:
        with open(a.inp, 'rb') as f:
            f.seek(inpos); data = f.read(); inpos = sz
        for b in data:
            s.sendall(bytes([b])); time.sleep(0.3)
    if a.stall and not fired and b'Building a PVH Dom0' in seen and time.time() - last > a.stall:
        fired = True
        sys.stderr.write('serialclient: %d s of silence, typing Ctrl-A x3 + %r\n' % (int(a.stall), a.keys))
        for b in b'\x01\x01\x01' + a.keys.encode():
            s.sendall(bytes([b])); time.sleep(0.5)
        last = time.time()
