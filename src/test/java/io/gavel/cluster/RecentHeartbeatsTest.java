package io.gavel.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Member;
import io.gavel.testing.Wait;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A member counts while its heartbeats arrive, whatever time they say they were sent at. */
class RecentHeartbeatsTest {
  private static final long TOLERANCE_MILLIS = 300;

  @Test
  void aPeerCountsOnlyWhileItsHeartbeatsArriveWhateverTheirTimestamps() {
    Member self = member(true);
    Member peer = member(false);
    Member other = member(false);
    List<Member> members = List.of(self, peer, other);
    RecentHeartbeats majority = new RecentHeartbeats(2, TOLERANCE_MILLIS);

    assertThat(majority.apply(members)).as("no peer heard from yet").isFalse();
    // A sender whose clock runs a minute ahead: its timestamp must not keep it counted.
    majority.onHeartbeat(peer, System.currentTimeMillis() + 60_000);
    assertThat(majority.apply(members)).as("a peer heard from just now").isTrue();
    Wait.until("the silent peer stops counting", Duration.ofSeconds(5), () -> !majority.apply(members));

    majority.onHeartbeat(other, System.currentTimeMillis() - 60_000);
    assertThat(majority.apply(members)).as("a peer whose clock runs behind counts when it is heard").isTrue();
    assertThat(majority.apply(List.of(self))).as("fewer members than the minimum").isFalse();
  }

  private static Member member(boolean local) {
    UUID uuid = UUID.randomUUID();
    return (Member) Proxy.newProxyInstance(Member.class.getClassLoader(), new Class<?>[] {Member.class},
        (proxy, method, args) -> switch (method.getName()) {
          case "localMember" -> local;
          case "getUuid" -> uuid;
          case "hashCode" -> uuid.hashCode();
          case "equals" -> proxy == args[0];
          case "toString" -> "member " + uuid;
          default -> throw new UnsupportedOperationException(method.getName());
        });
  }
}
