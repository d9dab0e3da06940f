import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { configSpec } from "../../../cli/hub.ts";
import { loadConfig, type HubConfig } from "../../../gateway/config/load.ts";
import type { Application } from "../../../gateway/mapping/canonical.ts";
import { Router } from "../../../gateway/routing/router.ts";
import { REPO } from "../../support/config.ts";

/** The sample deployment config: Kiel (AGS 01002000, Reader ags:01002000) and Augsburg (09761000). */
describe("Router: the transport recipient decides the tenant", () => {
  let router: Router;
  beforeAll(async () => {
    const loaded = await loadConfig(path.join(REPO, "config"), configSpec);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.problems));
    router = new Router(loaded.config as HubConfig);
  });
  const app = (recipient: Application["recipient"]) =>
    ({ recipient, sourceFormat: "xdomea", service: { leikaKeys: [] }, warnings: [] }) as unknown as Application;
  const tenantOf = (r: ReturnType<Router["route"]>) => (r.ok ? r.tenant.id : `parked: ${r.message} (${r.tenantId})`);

  it("without a transport recipient, the document's recipient routes", () => {
    expect(tenantOf(router.route(app({ ags: "09761000" }), "formsolutions"))).toBe("augsburg");
  });

  it("a document naming another tenant than the OSCI Reader key's is parked for the addressed tenant, never routed to the named one", () => {
    // The mapping filled the document's recipient from the transport where it had none: ags stays Augsburg's.
    const r = router.route(app({ ags: "09761000", xtaReader: "ags:01002000" }), "formsolutions", {
      tenant: "kiel",
      ags: "01002000",
      xtaReader: "ags:01002000",
    });
    expect(tenantOf(r)).toBe("parked: addressed to kiel, document names augsburg (kiel)");
  });

  it("an XTA Reader decides the same way: Kiel's Reader, a document naming Augsburg, parked", () => {
    const r = router.route(app({ ags: "09761000", xtaReader: "ags:01002000" }), "formsolutions", { xtaReader: "ags:01002000" });
    expect(tenantOf(r)).toBe("parked: addressed to kiel, document names augsburg (kiel)");
  });

  it("a document whose recipient is no tenant's goes to the transport's tenant, with a warning", () => {
    const r = router.route(app({ ags: "12052000", xtaReader: "ags:01002000" }), "formsolutions", { tenant: "kiel", xtaReader: "ags:01002000" });
    expect(tenantOf(r)).toBe("kiel");
    expect(r.ok && r.warning).toMatch(/"ags":"12052000".*no tenant's; delivered to kiel/);
  });

  it("a document agreeing with the transport, or naming nothing of its own, goes to the transport's tenant without a warning", () => {
    for (const recipient of [{ ags: "01002000" }, { ags: "01002000", xtaReader: "ags:01002000" }]) {
      const r = router.route(app(recipient), "formsolutions", { tenant: "kiel", ags: "01002000" });
      expect([tenantOf(r), r.ok && r.warning]).toEqual(["kiel", undefined]);
    }
  });

  it("a transport Reader that is no tenant's does not decide: the document routes", () => {
    expect(tenantOf(router.route(app({ ags: "09761000", xtaReader: "ags:99999999" }), "formsolutions", { xtaReader: "ags:99999999" }))).toBe("augsburg");
  });
});
