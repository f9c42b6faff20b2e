package io.gavel.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.CompletionStage;

/**
 * Hazelcast's futures as Vert.x futures completed on a Vert.x context. Not {@code Future.fromCompletionStage}: it
 * registers with {@code whenComplete}, which Hazelcast runs on {@code ForkJoinPool.commonPool()} or, when that pool
 * has fewer than two threads (on one or two cores), on a new thread for every callback: a thread started and ended
 * for every bid (JFR on a pinned node: 320 a second). The callback here only hands the result to the context.
 */
public final class HazelcastFutures {
  private HazelcastFutures() {
  }

  public static <T> Future<T> on(Context context, CompletionStage<T> stage) {
    Promise<T> promise = Promise.promise();
    stage.whenCompleteAsync((value, failure) -> {
      if (failure == null) {
        promise.complete(value);
      } else {
        promise.fail(failure);
      }
    }, command -> context.runOnContext(v -> command.run()));
    return promise.future();
  }
}
