package ozghub.peer;

import java.io.*;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;
import de.osci.osci12.OSCIException;
import de.osci.osci12.common.Constants;
import de.osci.osci12.common.DialogHandler;
import de.osci.osci12.messageparts.*;
import de.osci.osci12.messagetypes.*;
import de.osci.osci12.roles.*;
import osci.peer.Keys;

/**
 * The library as Originator against ozg-hub, one JSON scenario per line of FILE, all in one JVM
 * (its start costs more than a scenario). usage: ScenarioDriver URL FILE
 *
 * A scenario: {"transportEnc": true, "digest": "sha256|sha512", "signature": "rsa-sha256|rsa-sha512|
 * rsa-pss-sha256|rsa-pss-sha512", "containers": [CONTAINER, ...]} with CONTAINER = {"reader": CERT,
 * "sign": true, "asym": "rsa-oaep|rsa-1_5", "sym": "aes256-gcm|aes128-gcm|...", "iv": 12|16,
 * "contents": [ITEM, ...]} and ITEM = {"doc": FILE} (bytes as they are) | {"att": FILE, "refId": ID,
 * "name": Content-Description, "sym": ALG, "iv": N} | {"nested": CONTAINER without reader}.
 *
 * Prints per scenario `RESULT <n> exit=<0|1|2> messageId=<id|-> <steps>` where steps are what the
 * library read from each answer (`GetMessageId code=0800`, `StoreDelivery code=0800 card=...`,
 * `fault=9202 ...`). exit as OriginatorScenario: 0 all 0xxx, 2 a 9xxx code or fault, 1 unreadable.
 */
public class ScenarioDriver {
  static final Map<String, String> SYM = Map.of(
      "aes256-gcm", Constants.SYMMETRIC_CIPHER_ALGORITHM_AES256_GCM,
      "aes192-gcm", Constants.SYMMETRIC_CIPHER_ALGORITHM_AES192_GCM,
      "aes128-gcm", Constants.SYMMETRIC_CIPHER_ALGORITHM_AES128_GCM,
      "aes256-cbc", Constants.SYMMETRIC_CIPHER_ALGORITHM_AES256,
      "tdes-cbc", Constants.SYMMETRIC_CIPHER_ALGORITHM_TDES_CBC);
  static final Map<String, String> ASYM = Map.of(
      "rsa-oaep", Constants.ASYMMETRIC_CIPHER_ALGORITHM_RSA_OAEP,
      "rsa-1_5", Constants.ASYMMETRIC_CIPHER_ALGORITHM_RSA_1_5);
  static final Map<String, String> DIGEST = Map.of(
      "sha256", Constants.DIGEST_ALGORITHM_SHA256,
      "sha512", Constants.DIGEST_ALGORITHM_SHA512);
  static final Map<String, String> SIGNATURE = Map.of(
      "rsa-sha256", Constants.SIGNATURE_ALGORITHM_RSA_SHA256,
      "rsa-sha512", Constants.SIGNATURE_ALGORITHM_RSA_SHA512,
      "rsa-pss-sha256", Constants.SIGNATURE_ALGORITHM_RSA_SHA256_PSS,
      "rsa-pss-sha512", Constants.SIGNATURE_ALGORITHM_RSA_SHA512_PSS);

  public static void main(String[] a) throws Exception {
    URI url = new URI(a[0]);
    List<String> lines = Files.readAllLines(Paths.get(a[1]), StandardCharsets.UTF_8);
    String sig0 = DialogHandler.getSignatureAlgorithm();
    String dig0 = DialogHandler.getDigestAlgorithm();
    int n = 0;
    for (String line : lines) {
      if (line.isBlank()) continue;
      List<String> steps = new ArrayList<>();
      String[] msgId = {"-"};
      int rc;
      try {
        @SuppressWarnings("unchecked") Map<String, Object> sc = (Map<String, Object>) Json.parse(line);
        DialogHandler.setSignatureAlgorithm(SIGNATURE.getOrDefault(str(sc, "signature", ""), sig0));
        DialogHandler.setDigestAlgorithm(DIGEST.getOrDefault(str(sc, "digest", ""), dig0));
        rc = run(url, sc, steps, msgId);
      } catch (OSCIException e) {
        steps.add("fault=" + e.getErrorCode() + " " + oneLine(e.toString()));
        rc = e.getErrorCode() != null && e.getErrorCode().startsWith("9") ? 2 : 1;
      } catch (Exception e) {
        steps.add("unreadable " + oneLine(e.toString()));
        e.printStackTrace();
        rc = 1;
      }
      System.out.println("RESULT " + (n++) + " exit=" + rc + " messageId=" + msgId[0] + " " + String.join(" | ", steps));
    }
  }

  static int run(URI url, Map<String, Object> sc, List<String> steps, String[] msgId) throws Exception {
    Intermed intermed = new Intermed(null, Keys.cert("intermed_enc"), url);
    Originator orig = new Originator(Keys.signer("originator"), Keys.decrypter("originator"));
    DialogHandler dh = new DialogHandler(orig, intermed, new TamperTransport());
    dh.setEncryption(bool(sc, "transportEnc", true));
    ResponseToGetMessageId g = new GetMessageId(dh).send();
    msgId[0] = g.getMessageId();
    int rc = step(steps, "GetMessageId", Spec.code(g.getFeedback()), "");
    List<Map<String, Object>> cs = list(sc, "containers");
    StoreDelivery sd = new StoreDelivery(dh, new Addressee(null, Keys.cert(str(cs.get(0), "reader", "addressee_enc"))), msgId[0]);
    sd.setSubject("generated scenario");
    for (Map<String, Object> c : cs) {
      ContentContainer cc = container(c, orig);
      String sym = SYM.get(str(c, "sym", "aes256-gcm"));
      EncryptedDataOSCI enc = new EncryptedDataOSCI(sym, num(c, "iv", 12), cc);
      enc.encrypt(new de.osci.osci12.roles.Reader(Keys.cert(str(c, "reader", "addressee_enc"))), ASYM.get(str(c, "asym", "rsa-oaep")));
      sd.addEncryptedData(enc);
    }
    ResponseToStoreDelivery r = sd.send();
    ProcessCardBundle pc = r.getProcessCardBundle();
    return Math.max(rc, step(steps, "StoreDelivery", Spec.code(r.getFeedback()), pc == null ? "" : "card=" + pc.getMessageId()));
  }

  /** A content container with its documents, attachments and nested containers, signed if asked. */
  static ContentContainer container(Map<String, Object> c, Originator author) throws Exception {
    ContentContainer cc = new ContentContainer();
    for (Map<String, Object> item : list(c, "contents")) {
      if (item.containsKey("doc")) {
        cc.addContent(new Content(new ByteArrayInputStream(Files.readAllBytes(Paths.get(str(item, "doc", ""))))));
      } else if (item.containsKey("att")) {
        byte[] bytes = Files.readAllBytes(Paths.get(str(item, "att", "")));
        Attachment att = new Attachment(new ByteArrayInputStream(bytes), str(item, "refId", "att"), SYM.get(str(item, "sym", "aes256-gcm")), num(item, "iv", 12));
        if (item.containsKey("name")) {
          Hashtable<String, String> h = new Hashtable<>();
          h.put("Content-Description", str(item, "name", ""));
          att.setMimeHeaders(h);
        }
        cc.addContent(new Content(att));
      } else {
        @SuppressWarnings("unchecked") Map<String, Object> inner = (Map<String, Object>) item.get("nested");
        cc.addContent(new Content(container(inner, author)));
      }
    }
    if (bool(c, "sign", true)) cc.sign(author);
    return cc;
  }

  static int step(List<String> steps, String name, String code, String more) {
    steps.add(name + " code=" + code + (more.isEmpty() ? "" : " " + more));
    return code.startsWith("0") ? 0 : 2;
  }

  static String oneLine(String s) { return s.replaceAll("\\s+", " "); }
  static String str(Map<String, Object> m, String k, String d) { Object v = m.get(k); return v == null ? d : v.toString(); }
  static boolean bool(Map<String, Object> m, String k, boolean d) { Object v = m.get(k); return v == null ? d : (Boolean) v; }
  static int num(Map<String, Object> m, String k, int d) { Object v = m.get(k); return v == null ? d : ((Double) v).intValue(); }
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> list(Map<String, Object> m, String k) { Object v = m.get(k); return v == null ? List.of() : (List<Map<String, Object>>) v; }
}
