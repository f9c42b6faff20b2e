// A healthy reader with the real browser libraries (sockjs-client + @vertx/eventbus-bridge-client.js, from
// src/main/frontend/node_modules, installed by the build), limited to one SockJS transport.
// Usage: node sockjs-reader.mjs BASE_URL TRANSPORT ADDRESS
// Prints "open" once registered, then each received message body as one JSON line, and "closed" at the end.
import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', '..', 'main', 'frontend', 'package.json'));
const EventBus = require('@vertx/eventbus-bridge-client.js');

const [baseUrl, transport, address] = process.argv.slice(2);
// vertx-web closes the connection after each xhr poll without a "Connection: close" header; Node's keep-alive agent
// then sends the next poll on the closed connection and sockjs-client gives the session up (browsers retry such a
// request on a new connection). One connection per request, as vertx-web expects.
http.globalAgent = new http.Agent({ keepAlive: false });
const bus = new EventBus(baseUrl + '/eventbus', { transports: [transport], vertxbus_ping_interval: 1000 });
bus.onopen = () => {
  bus.registerHandler(address, (err, message) => {
    if (err) {
      console.log(JSON.stringify({ error: err }));
    } else {
      console.log(JSON.stringify(message.body));
    }
  });
  console.log('open');
};
bus.onclose = (e) => {
  console.error('sockjs-reader (' + transport + ') closed: ' + (e ? e.code + ' ' + e.reason : ''));
  console.log('closed');
  process.exit(0);
};
bus.onerror = (err) => console.error('bridge error', JSON.stringify(err));
// Ends when the test closes stdin.
process.stdin.on('end', () => { bus.close(); process.exit(0); });
process.stdin.resume();
