package ozghub.peer;

import de.osci.osci12.messagetypes.*;
import osci.peer.CaptureTransport;

/** The shared driver's intermediary helpers, with its capturing transport. */
final class PeerIntermedCall {
  static void accept(ForwardDelivery fd) throws Exception {
    PeerIntermed.send(PeerIntermed.acceptDelivery(fd, new CaptureTransport()));
  }
  static void process(MediateDelivery md) throws Exception {
    PeerIntermed.send(PeerIntermed.processDelivery(md, new CaptureTransport()));
  }
}
