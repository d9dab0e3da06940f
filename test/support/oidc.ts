import { createServer, type Server } from "node:http";
import Provider from "oidc-provider";

/** People the test identity provider knows: login name → claims (Keycloak's shape for roles). */
export type People = Record<string, { name: string; roles: string[] }>;

/**
 * A real OpenID Connect provider (oidc-provider, the certified Node implementation) on loopback,
 * with its development login and consent pages: any password, the login name is the subject.
 * Roles are in `realm_access.roles`, as Keycloak puts them, and only at the userinfo endpoint
 * (the provider keeps ID tokens to the standard claims when it issues an access token).
 */
export async function startOidcProvider(o: {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  people: People;
}): Promise<{ issuer: string; stop(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const issuer = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: o.clientId,
        client_secret: o.clientSecret,
        redirect_uris: [o.redirectUri],
        response_types: ["code"],
        grant_types: ["authorization_code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    claims: { openid: ["sub"], profile: ["name", "preferred_username"], roles: ["realm_access"] },
    cookies: { keys: ["ozg-hub-test-provider-cookie-key"] },
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const person = o.people[id];
      return {
        accountId: id,
        async claims() {
          return person ? { sub: id, name: person.name, preferred_username: id, realm_access: { roles: person.roles } } : { sub: id, preferred_username: id };
        },
      };
    },
  });
  server.on("request", provider.callback());
  return {
    issuer,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
