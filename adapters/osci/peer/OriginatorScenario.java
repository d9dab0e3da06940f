package ozghub.peer;

import java.net.URI;
import de.osci.osci12.OSCIException;
import de.osci.osci12.common.DialogHandler;
import de.osci.osci12.messageparts.*;
import de.osci.osci12.messagetypes.*;
import de.osci.osci12.roles.*;
import osci.peer.Keys;

/**
 * The library as Originator (portal client) against ozg-hub as its Intermediär, one JVM per
 * scenario. usage: OriginatorScenario URL implicit|dialog SPEC
 *   implicit: GetMessageId, then StoreDelivery (repeat=N sends it N times with the same id)
 *   dialog:   InitDialog, GetMessageId, StoreDelivery, FetchProcessCard, ExitDialog
 * Prints one `STEP name code=CODE ...` line per answer the library parsed and verified, or
 * `STEP name fault=CODE` when it read a SOAP fault. Exit 0 when every step got a 0xxx code,
 * 2 when the library read a 9xxx code or fault, 1 when it could not read an answer at all.
 */
public class OriginatorScenario {
  static int rc = 0;

  public static void main(String[] a) throws Exception {
    Spec spec = new Spec(a[2]);
    boolean dialog = a[1].equals("dialog");
    TamperTransport.flip = "flip".equals(spec.get("tamper", ""));
    Intermed intermed = new Intermed(null, Keys.cert(spec.get("intermedCipher", "intermed_enc")), new URI(a[0]));
    String client = spec.get("client", "originator");
    Originator orig = new Originator(Keys.signer(client), Keys.decrypter(client));
    DialogHandler dh = new DialogHandler(orig, intermed, new TamperTransport());
    dh.setEncryption(spec.on("transportEnc", true));
    try {
      if (dialog) step("InitDialog", Spec.code(new InitDialog(dh).send().getFeedback()), "");
      String msgId = spec.get("msgId", null);
      if (msgId == null) {
        ResponseToGetMessageId r = new GetMessageId(dh).send();
        msgId = r.getMessageId();
        step("GetMessageId", Spec.code(r.getFeedback()), "messageId=" + msgId);
      }
      int repeat = Integer.parseInt(spec.get("repeat", "1"));
      for (int i = 0; i < repeat; i++) {
        StoreDelivery sd = new StoreDelivery(dh, new Addressee(null, Keys.cert(spec.get("c0.reader", "addressee_enc"))), msgId);
        sd.setSubject(spec.get("subject", "interop test"));
        for (EncryptedDataOSCI enc : spec.containers(orig)) sd.addEncryptedData(enc);
        ResponseToStoreDelivery r = sd.send();
        ProcessCardBundle pc = r.getProcessCardBundle();
        step("StoreDelivery", Spec.code(r.getFeedback()), pc == null ? "" : "card=" + pc.getMessageId() + " inspections=" + pc.getInspections().length);
      }
      if (dialog) {
        FetchProcessCard f = new FetchProcessCard(dh);
        f.setSelectionMode(OSCIMessage.SELECT_BY_MESSAGE_ID);
        f.setSelectionRule(msgId);
        ResponseToFetchProcessCard r = f.send();
        ProcessCardBundle[] cards = r.getProcessCardBundles();
        step("FetchProcessCard", Spec.code(r.getFeedback()), "cards=" + cards.length + (cards.length > 0 ? " card=" + cards[0].getMessageId() + " creation=" + (cards[0].getCreation() != null) : ""));
        // More selections (fetch=reception|modification|all|noreception|addressee, comma-separated):
        // by date of reception or of recent modification (since fetchSince), or all; fetchLimit caps the count.
        for (String sel : spec.get("fetch", "").split(",")) {
          if (sel.isBlank()) continue;
          FetchProcessCard g = new FetchProcessCard(dh);
          if (sel.equals("all")) g.setSelectionMode(OSCIMessage.NO_SELECTION_RULE);
          else {
            g.setSelectionMode(sel.equals("modification") ? OSCIMessage.SELECT_BY_RECENT_MODIFICATION : OSCIMessage.SELECT_BY_DATE_OF_RECEPTION);
            g.setSelectionRule(spec.get("fetchSince", "2000-01-01T00:00:00Z"));
            if (sel.equals("noreception")) g.setSelectNoReceptionOnly(true);
            if (sel.equals("addressee")) g.setRoleForSelection(OSCIMessage.SELECT_ADDRESSEE);
          }
          if (spec.get("fetchLimit", null) != null) g.setQuantityLimit(Long.parseLong(spec.get("fetchLimit", "1")));
          try {
            ResponseToFetchProcessCard gr = g.send();
            StringBuilder ids = new StringBuilder();
            for (ProcessCardBundle b : gr.getProcessCardBundles()) ids.append(ids.length() == 0 ? "" : ";").append(b.getMessageId());
            step("FetchProcessCard:" + sel, Spec.code(gr.getFeedback()), "cards=" + gr.getProcessCardBundles().length + " ids=" + ids);
          } catch (OSCIException e) {
            System.out.println("STEP FetchProcessCard:" + sel + " fault=" + e.getErrorCode() + " " + e);
            rc = Math.max(rc, 2);
          }
        }
        step("ExitDialog", Spec.code(new ExitDialog(dh).send().getFeedback()), "");
      }
    } catch (OSCIException e) {
      // A SOAP fault (or an order answer with an error) as the library reads it.
      System.out.println("STEP fault=" + e.getErrorCode() + " " + e);
      rc = e.getErrorCode() != null && e.getErrorCode().startsWith("9") ? Math.max(rc, 2) : 1;
    } catch (Exception e) {
      System.out.println("STEP unreadable " + e);
      e.printStackTrace();
      rc = 1;
    }
    System.exit(rc);
  }

  static void step(String name, String code, String more) {
    System.out.println("STEP " + name + " code=" + code + (more.isEmpty() ? "" : " " + more));
    if (!code.startsWith("0")) rc = Math.max(rc, 2);
  }
}
