package io.gavel.gateway;

import io.gavel.domain.AuctionException;
import io.gavel.domain.ErrorCode;
import io.gavel.protocol.Wire;
import io.vertx.ext.web.RoutingContext;

/** Writes {@code {"error": CODE, "message": text}} with the code's status. */
final class ApiError {
  private ApiError() {
  }

  static void send(RoutingContext ctx, ErrorCode code, String message) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    if (code == ErrorCode.UNAUTHORIZED) {
      ctx.response().putHeader("WWW-Authenticate", "Bearer");
    }
    ctx.response()
        .setStatusCode(code.httpStatus())
        .putHeader("Content-Type", "application/json")
        .end(Wire.error(code.name(), message).encode());
  }

  static void send(RoutingContext ctx, AuctionException e) {
    send(ctx, e.code(), e.getMessage());
  }
}
