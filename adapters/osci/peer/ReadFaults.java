package ozghub.peer;

import java.io.*;

/**
 * The library as reader of SOAP faults: for each file (the HTTP body of an answer) prints
 * `FAULT <file> <code>` with the code the library took from it, or `FAULT <file> none`.
 * usage: ReadFaults FILE...
 */
public class ReadFaults {
  public static void main(String[] a) throws Exception {
    for (String f : a) {
      try (InputStream in = new BufferedInputStream(new FileInputStream(f))) {
        System.out.println("FAULT " + f + " " + de.osci.osci12.messagetypes.PlainAnswer.faultCode(in));
      } catch (Exception e) {
        System.out.println("FAULT " + f + " unreadable " + e);
      }
    }
  }
}
