import * as oidc from "openid-client";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { GatewayConfig } from "../config/schema.ts";
import type { Role } from "./session.ts";

export type OidcSettings = NonNullable<NonNullable<GatewayConfig["admin"]>["oidc"]>;

/** Cookie that carries the PKCE verifier, state and nonce from the redirect to the callback. */
const PENDING_COOKIE = "ozg_console_sso";
const CALLBACK = "/admin/login/sso/callback";

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** A person signed on at the identity provider, with the role the console gives them. */
export type SsoOutcome = { ok: true; role: Role; person: string; subject: string; issuer: string } | { ok: false; reason: string; noRole?: boolean };

/** The value at a dotted path of the claims (`realm_access.roles`), as a list of strings. */
export function claimValues(claims: Record<string, unknown>, dotted: string): string[] {
  let at: unknown = claims;
  for (const part of dotted.split(".")) at = at && typeof at === "object" ? (at as Record<string, unknown>)[part] : undefined;
  if (typeof at === "string") return [at];
  return Array.isArray(at) ? at.filter((x): x is string => typeof x === "string") : [];
}

/** Operator roles win over viewer roles; anybody else is not let in. */
export function roleOfClaims(settings: OidcSettings, claims: Record<string, unknown>): Role | undefined {
  const have = new Set(claimValues(claims, settings.roleClaim));
  if (settings.operatorRoles.some((r) => have.has(r))) return "operator";
  if (settings.viewerRoles.some((r) => have.has(r))) return "viewer";
  return undefined;
}

/**
 * Single sign-on by OpenID Connect with openid-client: authorization code flow with PKCE (S256),
 * state and nonce. The provider's metadata is discovered once per settings and again after a
 * failure. The pending login lives in a short HttpOnly cookie scoped to the callback path: it
 * holds nothing that helps anybody but this browser (the code is bound to its verifier), and so
 * every instance can finish a login that another began.
 */
export function singleSignOn(settings: () => OidcSettings | undefined, env: NodeJS.ProcessEnv = process.env) {
  let cached: { key: string; config: Promise<oidc.Configuration> } | undefined;
  const configuration = (s: OidcSettings) => {
    const key = JSON.stringify(s);
    if (cached?.key !== key) {
      const issuer = new URL(s.issuer);
      const secret = s.clientSecretEnv ? env[s.clientSecretEnv] : undefined;
      const insecure = issuer.protocol === "http:" && LOOPBACK.has(issuer.hostname);
      const config = oidc.discovery(issuer, s.clientId, secret ? { client_secret: secret } : { token_endpoint_auth_method: "none" }, undefined, {
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
      cached = { key, config };
      config.catch(() => {
        if (cached?.config === config) cached = undefined;
      });
    }
    return cached.config;
  };
  const redirectUri = (c: Context, s: OidcSettings) => s.redirectUri ?? new URL(CALLBACK, c.req.url).toString();
  const secure = (c: Context) => new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";

  return {
    /** The provider's name for the login button, when single sign-on is configured. */
    label: () => settings()?.label,

    /** Starts a login: remembers verifier, state and nonce, and returns the provider's URL. */
    async begin(c: Context): Promise<URL> {
      const s = settings();
      if (!s) throw new Error("single sign-on is not configured");
      const config = await configuration(s);
      const verifier = oidc.randomPKCECodeVerifier();
      const state = oidc.randomState();
      const nonce = oidc.randomNonce();
      // Lax, not Strict: the provider's redirect back is a cross-site navigation.
      setCookie(c, PENDING_COOKIE, Buffer.from(JSON.stringify({ verifier, state, nonce })).toString("base64url"), {
        httpOnly: true,
        sameSite: "Lax",
        path: CALLBACK,
        secure: secure(c),
        maxAge: 600,
      });
      return oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri(c, s),
        scope: s.scopes.join(" "),
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: "S256",
        state,
        nonce,
      });
    },

    /** Finishes a login at the callback: code for tokens, the ID token checked, the role from the claims. */
    async finish(c: Context): Promise<SsoOutcome> {
      const s = settings();
      if (!s) return { ok: false, reason: "single sign-on is not configured" };
      const raw = getCookie(c, PENDING_COOKIE);
      deleteCookie(c, PENDING_COOKIE, { path: CALLBACK });
      if (!raw) return { ok: false, reason: "no login was begun in this browser (or it took longer than 10 minutes)" };
      let pending: { verifier: string; state: string; nonce: string };
      try {
        pending = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
      } catch {
        return { ok: false, reason: "the pending login is unreadable" };
      }
      const config = await configuration(s);
      // The URL the provider redirected to, with its query, on the registered redirect URI.
      const current = new URL(redirectUri(c, s));
      current.search = new URL(c.req.url).search;
      try {
        const tokens = await oidc.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        let claims: Record<string, unknown> = { ...tokens.claims()! };
        // Providers that keep ID tokens small give roles and names at the userinfo endpoint.
        if (claimValues(claims, s.roleClaim).length === 0 || claims.name === undefined) {
          claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub as string)), ...claims };
        }
        const subject = String(claims.sub);
        const name = [claims.name, claims.preferred_username, claims.email].find((x): x is string => typeof x === "string" && x !== "") ?? subject;
        const role = roleOfClaims(s, claims);
        if (!role) return { ok: false, reason: name, noRole: true };
        return { ok: true, role, person: `${name} <${subject}>`, subject, issuer: config.serverMetadata().issuer };
      } catch (err) {
        return { ok: false, reason: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}

export type SingleSignOn = ReturnType<typeof singleSignOn>;
