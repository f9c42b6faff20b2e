// Socket.IO 4 peer of Gavel's fan-out scenario (BENCHMARKS.md, "Same-run comparison"): browsers join the room of
// one auction; bids arrive over a connection of their own; the server accepts each bid above the current price,
// stamps it (seq, at) and emits one `bid.accepted` event of the shape Gavel sends (type, auctionId, seq, at, amount,
// bidder, endsAt, proxy) to the room. Socket.IO encodes a room broadcast once and writes it to every socket, as
// Gavel's hub does. Listens on loopback only and exits by itself after --max-seconds (or on SIGTERM).
// With --redis URL, several of these servers form one Socket.IO cluster through the official Redis adapter
// (@socket.io/redis-adapter, Redis PUBLISH/SUBSCRIBE): a room broadcast is published to Redis once, and every server
// writes it to its own sockets in that room, as a Gavel node does with an event from the event bus.
//
//   node server.js [--port 0] [--max-seconds 600] [--redis redis://127.0.0.1:6379]
// Prints {"listening": <port>} on stdout once it serves.
import { createServer } from 'node:http';
import { createAdapter } from '@socket.io/redis-adapter';
import { createClient } from 'redis';
import { Server } from 'socket.io';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  (a.startsWith('--') ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []));
const maxSeconds = Number(args['max-seconds'] ?? 600);
const endsAt = Date.now() + 3600_000;
const auctions = new Map(); // auctionId -> { seq, amount }

const http = createServer((req, res) => {
  res.writeHead(404).end();
});
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });
if (args.redis) {
  const pubClient = createClient({ url: args.redis });
  const subClient = pubClient.duplicate();
  await Promise.all([pubClient.connect(), subClient.connect()]);
  io.adapter(createAdapter(pubClient, subClient));
}

io.on('connection', (socket) => {
  socket.on('join', (auctionId, ack) => {
    socket.join(`auction:${auctionId}`);
    ack?.({ ok: true });
  });
  socket.on('bid', (bid, ack) => {
    const auction = auctions.get(bid.auctionId) ?? { seq: 0, amount: 0 };
    auctions.set(bid.auctionId, auction);
    if (!(bid.amount > auction.amount)) {
      ack?.({ error: 'BID_TOO_LOW', seq: auction.seq });
      return;
    }
    auction.amount = bid.amount;
    auction.seq += 1;
    io.to(`auction:${bid.auctionId}`).emit('event', {
      type: 'bid.accepted', auctionId: bid.auctionId, seq: auction.seq, at: Date.now(), amount: bid.amount,
      bidder: bid.bidder, endsAt, proxy: false,
    });
    ack?.({ seq: auction.seq });
  });
  socket.on('stats', (auctionId, ack) => {
    ack?.({ seq: auctions.get(auctionId)?.seq ?? 0, sockets: io.engine.clientsCount });
  });
});

http.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ listening: http.address().port }));
});
setTimeout(() => process.exit(0), maxSeconds * 1000);
process.on('SIGTERM', () => process.exit(0));
