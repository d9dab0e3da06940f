package ozghub.peer;

import java.io.*;
import java.nio.file.*;
import de.osci.osci12.OSCIException;
import de.osci.osci12.common.DialogHandler;
import de.osci.osci12.messageparts.*;
import de.osci.osci12.messagetypes.*;
import de.osci.osci12.roles.*;
import osci.peer.CaptureTransport;
import osci.peer.Keys;

/**
 * The library as Intermediär pushing AcceptDelivery or ProcessDelivery to ozg-hub as passive
 * recipient, then (the library has no client parser for these answers) verifying the captured
 * answer with its own message parser: transport decryption with the Intermediär's key, the
 * SupplierSignature, the feedback. usage: IntermediaryScenario URL accept|process SPEC
 * Spec as for OriginatorScenario; `client` is the Intermediär's signer, `repeat=N` pushes the same
 * message id N times. Prints one `ANSWER code=CODE messageId=ID` or `ANSWER fault=CODE` per push.
 * Exit 0 / 2 / 1 as OriginatorScenario.
 */
public class IntermediaryScenario {
  public static void main(String[] a) throws Exception {
    Spec spec = new Spec(a[2]);
    boolean process = a[1].equals("process");
    String client = spec.get("client", "intermed");
    String author = spec.get("author", "originator");
    Originator orig = new Originator(Keys.signer(author), Keys.decrypter(author));
    Intermed intermed = new Intermed(Keys.signer(client), Keys.decrypter("intermed"));
    DialogHandler odh = new DialogHandler(orig, intermed, null);
    Addressee addressee = new Addressee(Keys.cert("addressee_sig"), Keys.cert(spec.get("addresseeCipher", "addressee_enc")));
    String msgId = spec.get("msgId", "push-" + System.nanoTime());
    System.setProperty("osci.msgId", msgId);
    odh.setEncryption(spec.on("transportEnc", true));
    int repeat = Integer.parseInt(spec.get("repeat", "1"));
    int rc = 0;
    for (int i = 1; i <= repeat; i++) {
      try {
        if (!process) {
          ForwardDelivery fd = new ForwardDelivery(odh, addressee, a[0], msgId);
          fd.setSubject(spec.get("subject", "push test"));
          for (EncryptedDataOSCI enc : spec.containers(orig)) fd.addEncryptedData(enc);
          PeerIntermedCall.accept(fd);
        } else {
          MediateDelivery md = new MediateDelivery(odh, addressee, a[0]);
          md.setSubject(spec.get("subject", "push test"));
          for (EncryptedDataOSCI enc : spec.containers(orig)) md.addEncryptedData(enc);
          PeerIntermedCall.process(md);
        }
      } catch (Exception e) {
        // expected: no client-side parser for ResponseToAccept/ProcessDelivery in the library
        // (anything else shows here when no answer was captured)
        System.err.println("SEND " + e);
      }
      rc = Math.max(rc, verify(Paths.get(System.getProperty("osci.capture.dir"), "rsp-" + i + ".bin")));
    }
    System.exit(rc);
  }

  /** The library's own parser on the captured answer: transport layer (if any), signature, feedback. */
  static int verify(Path rsp) throws Exception {
    byte[] bytes = Files.readAllBytes(rsp);
    boolean encrypted = new String(bytes, "ISO-8859-1").contains("soapMessageEncrypted.xsd");
    try (InputStream in = new BufferedInputStream(new ByteArrayInputStream(bytes))) {
      StoredMessage sm = encrypted
          ? de.osci.osci12.messagetypes.PeerIntermed.openAndVerify(in, new Addressee(Keys.signer("intermed"), Keys.decrypter("intermed")))
          : de.osci.osci12.messagetypes.PlainAnswer.loadVerified(in);
      String code = Spec.code(sm.getFeedback());
      System.out.println("ANSWER type=0x" + Integer.toHexString(sm.getMessageType()) + " signed=" + sm.isSigned() + " encrypted=" + encrypted + " code=" + code + " messageId=" + sm.getMessageId());
      return code.startsWith("0") ? 0 : 2;
    } catch (OSCIException e) {
      System.out.println("ANSWER fault=" + e.getErrorCode() + " " + e);
      return e.getErrorCode() != null && e.getErrorCode().startsWith("9") ? 2 : 1;
    } catch (Exception e) {
      System.out.println("ANSWER unreadable " + e);
      e.printStackTrace();
      return 1;
    }
  }
}
