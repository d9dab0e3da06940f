import { createCipheriv, createPrivateKey, generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { testPki, type Issued } from "../../test/support/pki.ts";
import { NS } from "./ns.ts";
import { parseXmlPart } from "./xml.ts";
import { aesGcmDecrypt, aesGcmEncrypt, decryptData, encryptData } from "./xmlenc.ts";

describe("xmlenc as OSCI 1.2 uses it", () => {
  let reader: Issued;
  let other: Issued;
  beforeAll(() => {
    const pki = testPki();
    reader = pki.issue("Reader", "cipher");
    other = pki.issue("Other", "cipher");
  });
  const keyOf = (i: Issued) => ({ key: createPrivateKey(i.keyPem), cert: new X509Certificate(i.certPem) });
  const element = (xml: string) => {
    const p = parseXmlPart(Buffer.from(xml));
    if (!p.ok) throw new Error(p.detail);
    return p.doc.getElementsByTagNameNS(NS.xenc, "EncryptedData").item(0)!;
  };

  /** An EncryptedData as the library writes an attachment inside a content container: key in ds:MgmtData. */
  const mgmt = (key: Buffer, data: Buffer, ivLength?: number) =>
    element(
      `<xenc:EncryptedData xmlns:xenc="${NS.xenc}" xmlns:ds="${NS.ds}"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes256-gcm">${ivLength ? `<osci128:IvLength xmlns:osci128="${NS.osci128}" Value="${ivLength}"/>` : ""}</xenc:EncryptionMethod><ds:KeyInfo><ds:MgmtData>${key.toString("base64")}</ds:MgmtData></ds:KeyInfo><xenc:CipherData><xenc:CipherValue>${data.toString("base64")}</xenc:CipherValue></xenc:CipherData></xenc:EncryptedData>`,
    );

  it("declares IvLength 12 on what it encrypts, honours a declared IvLength (16), and reads 16-byte IVs without IvLength as the library does", () => {
    expect(encryptData(Buffer.from("x"), [reader.certPem]).xml).toContain(`<osci128:IvLength xmlns:osci128="${NS.osci128}" Value="12"/>`);
    const key = randomBytes(32);
    const iv = randomBytes(16);
    const c = createCipheriv("aes-256-gcm", key, iv);
    const data = Buffer.concat([iv, c.update("Anlage"), c.final(), c.getAuthTag()]);
    expect(decryptData(mgmt(key, data, 16), [], () => undefined, { mgmtData: true })).toMatchObject({ ok: true, plaintext: Buffer.from("Anlage") });
    // Without IvLength the library reads 16 bytes: after the profile's 12 fail the tag, 16 opens them.
    expect(decryptData(mgmt(key, data), [], () => undefined, { mgmtData: true })).toMatchObject({ ok: true, plaintext: Buffer.from("Anlage") });
    // A declared length is the only one tried.
    expect(decryptData(mgmt(key, data, 12), [], () => undefined, { mgmtData: true })).toMatchObject({ ok: false, reason: "failed" });
  });

  it("takes a key from ds:MgmtData only where the caller allows it (inside a container opened with a Reader key)", () => {
    const key = randomBytes(32);
    const data = aesGcmEncrypt(key, Buffer.from("Anlage"));
    expect(decryptData(mgmt(key, data), [keyOf(reader)], () => undefined, { mgmtData: true })).toMatchObject({ ok: true, plaintext: Buffer.from("Anlage") });
    expect(decryptData(mgmt(key, data), [keyOf(reader)], () => undefined)).toMatchObject({ ok: false, reason: "no_key" });
  });

  it("AES-256-GCM: 12-byte IV in front, 16-byte tag behind; a changed byte fails the tag", () => {
    const key = Buffer.alloc(32, 7);
    const data = aesGcmEncrypt(key, Buffer.from("Antrag"));
    expect(data.length).toBe(12 + 6 + 16);
    expect(aesGcmDecrypt(key, data)?.toString()).toBe("Antrag");
    data[14]! ^= 1;
    expect(aesGcmDecrypt(key, data)).toBeUndefined();
  });

  it("names xmlenc11 rsa-oaep with MGF1-SHA256 and decrypts inline and CipherReference data", () => {
    const inline = encryptData(Buffer.from("<Inhalt/>"), [reader.certPem]);
    expect(inline.xml).toContain('Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"');
    expect(inline.xml).toContain('Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"');
    const d1 = decryptData(element(inline.xml), [keyOf(reader)], () => undefined);
    expect(d1.ok && d1.plaintext.toString()).toBe("<Inhalt/>");

    const referenced = encryptData(Buffer.from("MIME..."), [reader.certPem], { cipherPart: "osci_enc" });
    expect(referenced.xml).toContain('URI="cid:osci_enc"');
    const d2 = decryptData(element(referenced.xml), [keyOf(reader)], (cid) => (cid === "osci_enc" ? referenced.part : undefined));
    expect(d2.ok && d2.plaintext.toString()).toBe("MIME...");
    expect(decryptData(element(referenced.xml), [keyOf(reader)], () => undefined)).toMatchObject({ ok: false, reason: "missing_part" });
    // a client that does apply the named base64 transform is read as well
    const b64 = Buffer.from(referenced.part!.toString("base64").replace(/(.{76})/g, "$1\r\n"));
    const d3 = decryptData(element(referenced.xml), [keyOf(reader)], () => b64);
    expect(d3.ok && d3.plaintext.toString()).toBe("MIME...");
  });

  it("finds no key when the data was encrypted for somebody else", () => {
    const enc = encryptData(Buffer.from("x"), [other.certPem]);
    expect(decryptData(element(enc.xml), [keyOf(reader)], () => undefined)).toMatchObject({ ok: false, reason: "no_key" });
  });

  it("refuses algorithms outside the profile instead of guessing", () => {
    const enc = encryptData(Buffer.from("x"), [reader.certPem]).xml.replace("xmlenc11#aes256-gcm", "xmlenc#aes256-cbc");
    expect(decryptData(element(enc), [keyOf(reader)], () => undefined)).toMatchObject({ ok: false, reason: "unsupported" });
  });

  it("a key that is not RSA-OAEP for us is skipped, not an exception", () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const enc = encryptData(Buffer.from("x"), [reader.certPem]);
    expect(
      decryptData(
        element(enc.xml.replace(/<ds:X509Certificate>[^<]+<\/ds:X509Certificate>/, "")),
        [{ key: privateKey, cert: new X509Certificate(other.certPem) }],
        () => undefined,
      ),
    ).toMatchObject({ ok: false, reason: "no_key" });
  });
});
