package de.osci.osci12.messagetypes;

import java.io.InputStream;
import de.osci.osci12.OSCIException;
import de.osci.osci12.common.OSCIExceptionCodes;

/**
 * Split-package helper (classpath only, the jar untouched): the library's stored-message parser
 * for an answer without transport encryption, with its signature check. The library's own
 * StoredMessage.loadMessageCheckingSignature fails with a NullPointerException on any
 * ResponseToAcceptDelivery (also on one the library wrote itself), because it takes the
 * signer from a client role these answers do not have; this is the same check, guarded the
 * way the shared driver's PeerIntermed.openAndVerify guards it.
 */
public final class PlainAnswer {
  private PlainAnswer() {}

  /**
   * Reads an answer the way a client does after sending (OSCIRequest.transmit): a SOAP fault
   * surfaces as the exception whose error code the library took from it; null when no fault.
   */
  public static String faultCode(InputStream in) throws Exception {
    try {
      new PassiveRecipientParser().parseStream(in, null, true, null);
      return null;
    } catch (OSCIException e) {
      return e.getErrorCode();
    }
  }

  public static StoredMessage loadVerified(InputStream in) throws Exception {
    StoredMessageParser p = new StoredMessageParser();
    StoredMessage sm = p.parseStream(in);
    if (sm.isSigned()) {
      if (sm.getMessageType() <= 0x10 && sm.dialogHandler.client != null && sm.dialogHandler.client.hasSignatureCertificate())
        sm.dialogHandler.supplier.setSignatureCertificate(sm.dialogHandler.client.getSignatureCertificate());
      if (!p.checkMsgHashes(sm)) throw new OSCIException(OSCIExceptionCodes.OSCIErrorCodes.SignatureInvalid);
    }
    return sm;
  }
}
