// Preloaded with `node --require` into a process — and, through the inherited execArgv, into every
// worker thread it starts (tesseract.js runs in worker threads): any attempt to reach the network
// (fetch, a TCP connection, a DNS lookup) fails, is written to stderr as "NETWORK: …" and is
// announced on the BroadcastChannel "no-network" (which every thread of the process can listen to).
// Local IPC (a Unix socket path, as tsx uses; stdio pipes) is not the network and is left alone.
'use strict';
const net = require('node:net');
const dns = require('node:dns');
const { isMainThread } = require('node:worker_threads');

const refuse = (what) => {
  const msg = `${what} (${isMainThread ? 'main' : 'worker'} thread)`;
  process.stderr.write(`NETWORK: ${msg}\n`);
  const bc = new BroadcastChannel('no-network');
  bc.postMessage(msg);
  bc.close();
  return new Error(`network disabled in this test: ${what}`);
};
globalThis.fetch = async (url) => {
  throw refuse(`fetch ${url}`);
};
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const o = Array.isArray(args[0]) ? args[0][0] : args[0];
  const local = (o && typeof o === 'object' && o.path && !o.port) || (typeof o === 'string' && Number.isNaN(Number(o)));
  if (local) return connect.apply(this, args);
  const e = refuse(`connect ${o && typeof o === 'object' ? `${o.host ?? o.hostname ?? '?'}:${o.port}` : String(o)}`);
  process.nextTick(() => this.destroy(e));
  return this;
};
dns.lookup = (host, ...rest) => {
  const cb = rest.pop();
  process.nextTick(cb, refuse(`dns ${host}`));
};
dns.promises.lookup = async (host) => {
  throw refuse(`dns ${host}`);
};
