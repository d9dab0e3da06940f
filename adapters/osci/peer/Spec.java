package ozghub.peer;

import java.io.*;
import java.nio.file.*;
import java.util.*;
import de.osci.osci12.common.Constants;
import de.osci.osci12.messageparts.*;
import osci.peer.Keys;

/**
 * A scenario for the library, from a Java properties file the test writes:
 *   containers=N, cI.content=FILE (document text), cI.attachments=FILE,FILE (may be empty),
 *   cI.sign=true|false (content signature by the Originator), cI.reader=CERT (default addressee_enc),
 *   client=PARTY (the Originator's keys, default originator; for pushes the Intermediär's signer),
 *   author=PARTY (for pushes: the Originator behind the Intermediär, who signs the content; default
 *   originator), transportEnc=true|false, msgId=ID,
 *   tamper=flip|author (author: the document changed after the Author signed it), repeat=N (send the same message id N times).
 */
final class Spec {
  final Properties p = new Properties();

  Spec(String file) throws IOException {
    try (Reader r = Files.newBufferedReader(Paths.get(file))) { p.load(r); }
  }

  String get(String k, String dflt) { return p.getProperty(k, dflt); }
  boolean on(String k, boolean dflt) { return Boolean.parseBoolean(p.getProperty(k, String.valueOf(dflt))); }

  /** The content containers, each encrypted for its Reader, as the library builds them by default. */
  List<EncryptedDataOSCI> containers(de.osci.osci12.roles.Originator author) throws Exception {
    List<EncryptedDataOSCI> out = new ArrayList<>();
    int n = Integer.parseInt(get("containers", "1"));
    int att = 0;
    for (int i = 0; i < n; i++) {
      ContentContainer cc = new ContentContainer();
      cc.addContent(new Content(new String(Files.readAllBytes(Paths.get(get("c" + i + ".content", ""))), "UTF-8")));
      for (String f : get("c" + i + ".attachments", "").split(",")) {
        if (f.isBlank()) continue;
        byte[] bytes = Files.readAllBytes(Paths.get(f));
        cc.addContent(new Content(new Attachment(new ByteArrayInputStream(bytes), "att" + (att++), Constants.SYMMETRIC_CIPHER_ALGORITHM_AES256_GCM)));
      }
      if (on("c" + i + ".sign", true)) {
        cc.sign(author);
        if ("author".equals(get("tamper", ""))) changeAfterSigning(cc.getContents()[0]);
      }
      EncryptedDataOSCI enc = new EncryptedDataOSCI(Constants.SYMMETRIC_CIPHER_ALGORITHM_AES256_GCM, cc);
      enc.encrypt(new de.osci.osci12.roles.Reader(Keys.cert(get("c" + i + ".reader", "addressee_enc"))));
      out.add(enc);
    }
    return out;
  }

  /**
   * The document text changed after the Author signed it, as a forger on the way would: the
   * signature stays as computed, the Content now carries other bytes (the library's own fields,
   * set through reflection, since it offers no way to change signed content).
   */
  static void changeAfterSigning(Content signed) throws Exception {
    Content other = new Content(signed.getContentData() + "<!-- changed after signing -->");
    for (String name : new String[] {"swapBuffer"}) {
      java.lang.reflect.Field f = Content.class.getDeclaredField(name);
      f.setAccessible(true);
      f.set(signed, f.get(other));
    }
    java.lang.reflect.Field len = MessagePart.class.getDeclaredField("length");
    len.setAccessible(true);
    len.set(signed, len.get(other));
    System.out.println("TAMPERED content " + signed.getRefID());
  }

  /** What the library made of an answer: its first feedback code. */
  static String code(String[][] feedback) {
    return feedback != null && feedback.length > 0 && feedback[0].length > 1 ? feedback[0][1] : "none";
  }
}
