import { createHash, createPrivateKey, sign as rsaSign, X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { testPki, type Issued } from "../../test/support/pki.ts";
import { NS } from "./ns.ts";
import { canonical, signDocument, SIG_SLOT, verifySignature } from "./signature.ts";
import { parseXmlPart } from "./xml.ts";

const DOC = `<soap:Envelope xmlns:soap="${NS.soap}" xmlns:osci="${NS.osci}" xmlns:ds="${NS.ds}"><soap:Header><osci:ControlBlock Id="controlblock"><osci:Challenge>c1</osci:Challenge></osci:ControlBlock><osci:ClientSignature Id="clientsignature">${SIG_SLOT}</osci:ClientSignature></soap:Header><soap:Body Id="body"><osci:ContentPackage>Antrag</osci:ContentPackage></soap:Body></soap:Envelope>`;
const part = Buffer.from("%PDF-1.7 Anlage");

describe("OSCI signatures", () => {
  let signer: Issued;
  let attacker: Issued;
  beforeAll(() => {
    const pki = testPki();
    signer = pki.issue("Client", "signature");
    attacker = pki.issue("Attacker", "signature");
  });
  const sign = (by: Issued, xml = DOC) =>
    signDocument(xml, { ids: ["controlblock", "body"], cids: [{ cid: "anlage1", bytes: part }] }, createPrivateKey(by.keyPem), by.certPem);
  const verify = (xml: string, pinned: Issued[], parts: Record<string, Buffer> = { anlage1: part }) => {
    const p = parseXmlPart(Buffer.from(xml));
    if (!p.ok) throw new Error(p.detail);
    const sig = p.doc.getElementsByTagNameNS(NS.ds, "Signature").item(0) ?? undefined;
    return verifySignature(
      xml,
      sig,
      pinned.map((i) => new X509Certificate(i.certPem)),
      (cid) => parts[cid],
    );
  };

  it("verifies what it signs and reports the covered Ids and cid: parts", () => {
    const v = verify(sign(signer), [signer]);
    expect(v.ok).toBe(true);
    if (v.ok) {
      expect([...v.ids]).toEqual(["controlblock", "body"]);
      expect([...v.cids]).toEqual(["anlage1"]);
    }
  });

  it("a changed attachment byte fails the cid: digest", () => {
    expect(verify(sign(signer), [signer], { anlage1: Buffer.from("%PDF-1.7 Anlagf") })).toMatchObject({ ok: false, code: "invalid" });
  });

  it("never takes the key from KeyInfo: an attacker's own certificate there is an unknown signer", () => {
    expect(verify(sign(attacker), [signer])).toMatchObject({ ok: false, code: "unknown_signer" });
  });

  it("naming the pinned certificate in KeyInfo does not help a signature made with another key", () => {
    const forged = sign(attacker).replace(/<ds:X509Certificate>[^<]+</, `<ds:X509Certificate>${new X509Certificate(signer.certPem).raw.toString("base64")}<`);
    expect(verify(forged, [signer])).toMatchObject({ ok: false, code: "invalid" });
  });

  it("a second element with a signed Id is refused as wrapping", () => {
    const wrapped = sign(signer).replace("</soap:Header>", '<osci:Extra Id="body">Geänderter Antrag</osci:Extra></soap:Header>');
    expect(verify(wrapped, [signer])).toMatchObject({ ok: false, code: "wrapped" });
  });

  it("a changed byte in a signed element fails its digest; an unsigned message is named as such", () => {
    expect(verify(sign(signer).replace(">Antrag<", ">Antrak<"), [signer])).toMatchObject({ ok: false, code: "invalid" });
    expect(verify(DOC.replace(SIG_SLOT, ""), [signer])).toMatchObject({ ok: false, code: "unsigned" });
  });
  it("checks a reference with the xmldsig base64 transform over the decoded bytes (the library's content signature), and finds the signer by ds:RetrievalMethod", () => {
    const b64 = Buffer.from("<Antrag>ä</Antrag>").toString("base64");
    const digest = createHash("sha256").update(Buffer.from("<Antrag>ä</Antrag>")).digest("base64");
    const certB64 = signer.certPem.replace(/-----[^-]+-----|\s+/g, "");
    const build = (content: string, keyInfoId: string) => {
      const si = `<ds:SignedInfo><ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"></ds:SignatureMethod><ds:Reference URI="#content0"><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#base64"></ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod><ds:DigestValue>${digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
      const shell = (value: string) =>
        `<osci:ContentContainer xmlns:osci="${NS.osci}" xmlns:ds="${NS.ds}"><ds:Signature>${si}<ds:SignatureValue>${value}</ds:SignatureValue><ds:KeyInfo><ds:RetrievalMethod URI="#${keyInfoId}"></ds:RetrievalMethod></ds:KeyInfo></ds:Signature><osci:Content><osci:Base64Content Id="content0">${content}</osci:Base64Content></osci:Content><osci:Cert Id="originator_signature_1"><ds:X509Data><ds:X509Certificate>${certB64}</ds:X509Certificate></ds:X509Data></osci:Cert></osci:ContentContainer>`;
      const p = parseXmlPart(Buffer.from(shell("x")));
      if (!p.ok) throw new Error(p.detail);
      const value = rsaSign(
        "sha256",
        Buffer.from(canonical(p.doc.getElementsByTagNameNS(NS.ds, "SignedInfo").item(0)!), "utf8"),
        createPrivateKey(signer.keyPem),
      ).toString("base64");
      return shell(value);
    };
    const good = verify(build(b64, "originator_signature_1"), [signer]);
    expect(good).toMatchObject({ ok: true });
    expect(good.ok && [...good.ids]).toEqual(["content0"]);
    // one decoded byte changed (same base64 length): the digest no longer matches
    expect(verify(build(Buffer.from("<Antrag>ö</Antrag>").toString("base64"), "originator_signature_1"), [signer])).toMatchObject({
      ok: false,
      code: "invalid",
    });
    // the certificate the RetrievalMethod points to is not pinned: unknown signer, not a broken signature
    expect(verify(build(b64, "originator_signature_1"), [attacker])).toMatchObject({ ok: false, code: "unknown_signer" });
  });
});
