package io.gavel.bench;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * The machine's limit for fan-out, as a yardstick for Gavel: a bare Vert.x WebSocket server that writes one
 * pre-encoded frame to every socket, with no cluster, no bridge logic and no JSON per socket. It speaks just enough
 * of the bridge protocol for the benchmark's clients (they register, it sends {@code rec} frames). The benchmark
 * starts it as a separate process and drives it over HTTP: {@code POST /start?rate=R&durationMs=D},
 * {@code POST /warmup}, {@code GET /stats}.
 */
public final class RawBroadcastServer {
  private RawBroadcastServer() {
  }

  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    Vertx vertx = Vertx.vertx();
    List<ServerWebSocket> sockets = new ArrayList<>();
    long[] seq = {0};
    vertx.runOnContext(v -> vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port))
        .webSocketHandler(ws -> {
          sockets.add(ws);
          ws.closeHandler(x -> sockets.remove(ws));
          ws.handler(frame -> { });
        })
        .requestHandler(request -> {
          switch (request.path()) {
            case "/warmup" -> {
              broadcast(sockets, ++seq[0]);
              request.response().end(new JsonObject().put("seq", seq[0]).encode());
            }
            case "/start" -> {
              double rate = Double.parseDouble(request.getParam("rate"));
              long durationMs = Long.parseLong(request.getParam("durationMs"));
              long start = System.nanoTime();
              long first = seq[0];
              vertx.setPeriodic(5, id -> {
                double elapsedMs = Math.min(durationMs, (System.nanoTime() - start) / 1e6);
                long due = first + (long) (elapsedMs * rate / 1000) - seq[0];
                for (long i = 0; i < due; i++) {
                  broadcast(sockets, ++seq[0]);
                }
                if (elapsedMs >= durationMs) {
                  vertx.cancelTimer(id);
                }
              });
              request.response().end(new JsonObject().put("firstSeq", first + 1).encode());
            }
            case "/stats" -> request.response().end(new JsonObject().put("seq", seq[0])
                .put("sockets", sockets.size()).encode());
            default -> request.response().setStatusCode(404).end();
          }
        })
        .listen()
        .onSuccess(s -> System.out.println("raw broadcast server on 127.0.0.1:" + port))
        .onFailure(e -> {
          e.printStackTrace();
          System.exit(1);
        }));
  }

  private static void broadcast(List<ServerWebSocket> sockets, long seq) {
    Buffer frame = new JsonObject().put("type", "rec").put("address", "auction.raw").put("body", new JsonObject()
        .put("type", "bid.accepted").put("auctionId", "raw").put("seq", seq).put("at", System.currentTimeMillis())
        .put("amount", seq).put("bidder", "raw")).toBuffer();
    for (ServerWebSocket socket : sockets) {
      if (!socket.writeQueueFull()) {
        socket.writeBinaryMessage(frame);
      }
    }
  }
}
