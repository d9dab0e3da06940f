/** Namespaces and algorithm identifiers of OSCI-Transport 1.2 (defaults of the Governikus profile). */
export const NS = {
  soap: "http://schemas.xmlsoap.org/soap/envelope/",
  osci: "http://www.osci.de/2002/04/osci",
  ds: "http://www.w3.org/2000/09/xmldsig#",
  xenc: "http://www.w3.org/2001/04/xmlenc#",
  xenc11: "http://www.w3.org/2009/xmlenc11#",
  oscimeta: "http://www.osci.eu/ws/2014/10/transport",
  wsa: "http://www.w3.org/2005/08/addressing",
  /** OSCI 1.2 amendments (IvLength of AES-GCM). */
  osci128: "http://xoev.de/transport/osci12/8",
} as const;

export const ALG = {
  aes256gcm: "http://www.w3.org/2009/xmlenc11#aes256-gcm",
  rsaOaep: "http://www.w3.org/2009/xmlenc11#rsa-oaep",
  mgf1sha256: "http://www.w3.org/2009/xmlenc11#mgf1sha256",
  sha256: "http://www.w3.org/2001/04/xmlenc#sha256",
  c14n: "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
  rsaSha256: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
  base64: "http://www.w3.org/2000/09/xmldsig#base64",
} as const;

/** The root part of every OSCI message and the part that carries transport ciphertext. */
export const ROOT_CID = "osci@message";
export const ENC_CID = "osci_enc";

/** The SOAP actor of OSCI header blocks: the next hop processes them. */
export const ACTOR = "http://schemas.xmlsoap.org/soap/actor/next";
