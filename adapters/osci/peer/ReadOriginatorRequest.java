package ozghub.peer;

import java.io.*;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import de.osci.osci12.messageparts.*;
import de.osci.osci12.messagetypes.*;
import de.osci.osci12.roles.*;
import osci.peer.Keys;

/**
 * The library reading a request ozg-hub sent as Originator, in the two roles that receive it:
 * as Intermediär it opens the transport encryption with its key and checks the ClientSignature
 * (the library's message parser); as Addressee it decrypts each content container with its
 * Reader key, checks the Author signatures and reads the contents, attachments included.
 * usage: ReadOriginatorRequest FILE [INTERMEDIARY [READER]]   (parties of the test PKI; default intermed, addressee)
 * Prints `MESSAGE type=0x.. signed=.. messageId=..`, per container `CONTAINER signers=N valid=..
 * signer=SUBJECT`, per content `DATA <base64 of the text>` or `ATTACHMENT <ref> <sha256> <bytes>`.
 * Exit 0 when all of it was read; an exception (exit 1) otherwise.
 */
public class ReadOriginatorRequest {
  public static void main(String[] a) throws Exception {
    StoredMessage sm;
    try (InputStream in = new BufferedInputStream(new FileInputStream(a[0]))) {
      String intermed = a.length > 1 ? a[1] : "intermed";
      sm = PeerIntermed.openAndVerify(in, new Addressee(Keys.signer(intermed), Keys.decrypter(intermed)));
    }
    String id;
    try { id = sm.getMessageId(); } catch (Exception e) { id = null; }
    System.out.println("MESSAGE type=0x" + Integer.toHexString(sm.getMessageType()) + " signed=" + sm.isSigned() + " messageId=" + id);
    String reader = a.length > 2 ? a[2] : "addressee";
    Addressee addressee = new Addressee(Keys.signer(reader), Keys.decrypter(reader));
    for (EncryptedDataOSCI ed : sm.getEncryptedData()) read(ed.decrypt(addressee));
    for (ContentContainer cc : sm.getContentContainer()) read(cc);
  }

  static void read(ContentContainer cc) throws Exception {
    Role[] signers = cc.getSigners();
    System.out.println("CONTAINER signers=" + signers.length + " valid=" + (signers.length > 0 && cc.checkAllSignatures())
                       + (signers.length > 0 ? " signer=" + signers[0].getSignatureCertificate().getSubjectX500Principal().getName() : ""));
    for (Content c : cc.getContents()) {
      if (c.getContentType() == Content.DATA) {
        System.out.println("DATA " + Base64.getEncoder().encodeToString(c.getContentData().getBytes("UTF-8")));
      } else if (c.getContentType() == Content.ATTACHMENT_REFERENCE) {
        byte[] bytes = c.getAttachment().getStream().readAllBytes();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        System.out.println("ATTACHMENT " + c.getAttachment().getRefID() + " " + sha + " " + bytes.length);
      }
    }
  }
}
