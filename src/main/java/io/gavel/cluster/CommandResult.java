package io.gavel.cluster;

import io.gavel.domain.AuctionEvent;
import io.gavel.domain.AuctionView;
import io.gavel.domain.ErrorCode;
import java.util.List;

/** What a command did to an auction: the events it produced and the state after, or why it was refused. */
public record CommandResult(List<AuctionEvent> events, AuctionView view, ErrorCode error, String message) {

  static CommandResult done(List<AuctionEvent> events, AuctionView view) {
    return new CommandResult(List.copyOf(events), view, null, null);
  }

  static CommandResult refused(ErrorCode error, String message) {
    return new CommandResult(List.of(), null, error, message);
  }

  public boolean refused() {
    return error != null;
  }
}
