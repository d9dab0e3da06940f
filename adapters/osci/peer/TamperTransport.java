package ozghub.peer;

import java.io.*;
import java.net.HttpURLConnection;
import java.net.URI;
import de.osci.osci12.extinterfaces.TransportI;

/**
 * HTTP transport for the library that can change one byte of the request on its way: the last
 * base64 character before the last `</xenc:CipherValue>` (the content container's ciphertext,
 * covered by the ClientSignature), swapped for another base64 character. Used only without
 * transport encryption, where the bytes are readable.
 */
public class TamperTransport implements TransportI {
  static boolean flip;
  static int count;
  private ByteArrayOutputStream buf;
  private URI uri;
  private long len = -1;

  public String getVersion() { return "1"; }
  public String getVendor() { return "ozg-hub-test"; }
  public TransportI newInstance() { return new TamperTransport(); }
  public boolean isOnline(URI u) { return true; }
  public long getContentLength() { return len; }
  public OutputStream getConnection(URI u, long length) { uri = u; buf = new ByteArrayOutputStream(); return buf; }

  public InputStream getResponseStream() throws IOException {
    byte[] req = buf.toByteArray();
    if (flip) {
      String s = new String(req, "ISO-8859-1");
      int at = s.lastIndexOf("</xenc:CipherValue>");
      if (at > 10) { req[at - 10] = (byte) (req[at - 10] == 'A' ? 'B' : 'A'); System.out.println("TAMPERED byte " + (at - 10)); }
    }
    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
    c.setRequestMethod("POST");
    c.setDoOutput(true);
    c.setRequestProperty("Content-Type", "text/xml; charset=utf-8");
    c.setFixedLengthStreamingMode(req.length);
    try (OutputStream o = c.getOutputStream()) { o.write(req); }
    InputStream in = c.getResponseCode() >= 400 ? c.getErrorStream() : c.getInputStream();
    byte[] rsp = in == null ? new byte[0] : in.readAllBytes();
    // The wire bytes stay with the run, for `peer.sh verify` when a scenario fails.
    java.nio.file.Path dir = java.nio.file.Paths.get(System.getProperty("osci.capture.dir", "out"));
    java.nio.file.Files.createDirectories(dir);
    int n = ++count;
    java.nio.file.Files.write(dir.resolve("req-" + n + ".bin"), req);
    java.nio.file.Files.write(dir.resolve("rsp-" + n + ".bin"), rsp);
    len = rsp.length;
    return new ByteArrayInputStream(rsp);
  }
}
