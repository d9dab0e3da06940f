import { expect } from "vitest";
import { antragBody, ozgCloudForm, postAntrag } from "../support/forms.ts";
import { TOKENS } from "../support/hub.ts";
import { conformance } from "./suite.ts";

const auth = { authorization: `Bearer ${TOKENS.formsolutions}` };

conformance({
  name: "REST /antrag (OZG-Cloud multipart)",
  async send(hub, id) {
    const res = await hub.app.request("/antrag", {
      method: "POST",
      headers: auth,
      body: antragBody(ozgCloudForm({ transactionId: id }), [{ part: "attachment", name: "nachweis.pdf", type: "application/pdf", content: `%PDF ${id}` }]),
    });
    expect(res.status).toBe(202);
    const body = await res.json();
    return { kind: res.headers.get("idempotent-replayed") ? "duplicate" : "accepted", receipt: body.vorgang.vorgangId };
  },
  async sendBad(hub) {
    const fd = new FormData();
    fd.append("formData", new Blob(['{"control": {"transactionId": 1'], { type: "application/json" }));
    const res = await hub.app.request("/antrag", { method: "POST", headers: auth, body: fd });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    return { kind: "refused", detail: (await res.json()).detail };
  },
  async sendUnauthenticated(hub) {
    const res = await postAntrag(hub, { transactionId: "intruder" }, { headers: { authorization: "Bearer stolen" } });
    expect(res.status).toBe(401);
    return { kind: "refused", detail: (await res.json()).detail };
  },
  idOf: (event) => event.data.sourceId,
});

conformance({
  name: "REST /api/v1/applications (canonical JSON)",
  async send(hub, id) {
    const res = await hub.app.request("/api/v1/applications", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json", "idempotency-key": id },
      body: JSON.stringify({
        service: { leikaKeys: ["99050012104000"] },
        recipient: { organisationUnitId: "9030229" },
        applicant: { kind: "person", name: "Ole Sørensen", givenName: "Ole", familyName: "Sørensen" },
        data: { taetigkeit: "Fischhandel" },
      }),
    });
    expect(res.status).toBe(202);
    const body = await res.json();
    return { kind: res.headers.get("idempotent-replayed") ? "duplicate" : "accepted", receipt: body.id };
  },
  async sendBad(hub) {
    const res = await hub.app.request("/api/v1/applications", {
      method: "POST",
      headers: { ...auth, "content-type": "application/json" },
      body: JSON.stringify({ service: {} }),
    });
    expect(res.status).toBe(422);
    return { kind: "refused", detail: (await res.json()).detail };
  },
  async sendUnauthenticated(hub) {
    const res = await hub.app.request("/api/v1/applications", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(res.status).toBe(401);
    return { kind: "refused", detail: (await res.json()).detail };
  },
  idOf: (event) => event.data.sourceId,
});
