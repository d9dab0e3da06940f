import { describe, expect, it } from "vitest";
import { claimValues, roleOfClaims, type OidcSettings } from "./sso.ts";

const settings = (roleClaim: string): OidcSettings => ({
  issuer: "https://idp.example/realms/kommune",
  clientId: "ozg-hub",
  scopes: ["openid"],
  roleClaim,
  operatorRoles: ["ozg-operator"],
  viewerRoles: ["ozg-viewer"],
  label: "SSO",
});

describe("roles from a configurable claim", () => {
  it("reads Keycloak's realm_access.roles, a groups claim and a single string", () => {
    expect(claimValues({ realm_access: { roles: ["a", "b", 3] } }, "realm_access.roles")).toEqual(["a", "b"]);
    expect(claimValues({ groups: "ozg-viewer" }, "groups")).toEqual(["ozg-viewer"]);
    expect(claimValues({ groups: { nested: true } }, "groups")).toEqual([]);
    expect(claimValues({}, "realm_access.roles")).toEqual([]);
  });

  it("maps operator roles over viewer roles, and nobody else in", () => {
    const keycloak = settings("realm_access.roles");
    expect(roleOfClaims(keycloak, { realm_access: { roles: ["ozg-viewer", "ozg-operator"] } })).toBe("operator");
    expect(roleOfClaims(keycloak, { realm_access: { roles: ["ozg-viewer"] } })).toBe("viewer");
    expect(roleOfClaims(keycloak, { realm_access: { roles: ["offline_access"] } })).toBeUndefined();
    // The role must be in the configured claim, not anywhere in the token.
    expect(roleOfClaims(keycloak, { groups: ["ozg-operator"] })).toBeUndefined();
    expect(roleOfClaims(settings("groups"), { groups: ["ozg-operator"] })).toBe("operator");
  });
});
