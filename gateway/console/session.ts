import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { and, eq, gt, lt } from "drizzle-orm";
import type { Context } from "hono";
import { getCookie, setCookie, deleteCookie } from "hono/cookie";
import { sha256Hex } from "../auth/portals.ts";
import type { GatewayConfig } from "../config/schema.ts";
import type { Store } from "../store/db.ts";
import { consoleSessions } from "../store/schema.ts";

/** `viewer` sees lists, lineage and overview; `operator` may also download content and act. */
export type Role = "viewer" | "operator";

export interface Session {
  role: Role;
  actor: string;
  csrf: string;
}

/** The console's request variables: its session, a POST's parsed form, the page's language. */
export type ConsoleEnv = { Variables: { session: Session; form: Record<string, string | string[]>; language: string } };

export const SESSION_COOKIE = "ozg_console";
/** Field (forms) or header (scripts) that carries the session's CSRF token on every POST. */
export const CSRF_FIELD = "_csrf";
export const CSRF_HEADER = "x-csrf-token";

const hash = (s: string) => createHash("sha256").update(s).digest("hex");

/** The role an admin token grants, if any: operator hashes win over viewer hashes. */
export function roleOfToken(admin: GatewayConfig["admin"], token: string): Role | undefined {
  const h = sha256Hex(token);
  if (admin?.tokenSha256.includes(h)) return "operator";
  if (admin?.viewerTokenSha256.includes(h)) return "viewer";
  return undefined;
}

/**
 * Console sessions in Postgres. The cookie holds a random id; the table holds only its sha256,
 * so a leaked table does not leak sessions.
 */
export function sessionStore(store: Store, clock: () => Date) {
  return {
    /**
     * Creates a session for credentials already checked, and sets the cookie. A token is named
     * by the start of its hash; a person signed on at an identity provider by name and subject.
     */
    async open(c: Context, role: Role, who: { token: string } | { person: string }, minutes: number): Promise<Session> {
      const id = randomBytes(32).toString("base64url");
      const actor = "token" in who ? `token:${sha256Hex(who.token).slice(0, 12)}` : who.person;
      const session: Session = { role, actor, csrf: randomBytes(24).toString("base64url") };
      const now = clock();
      // Expired sessions of everybody go on the way: no sweeper needed.
      await store.db.delete(consoleSessions).where(lt(consoleSessions.expiresAt, now));
      await store.db.insert(consoleSessions).values({ idSha256: hash(id), ...session, createdAt: now, expiresAt: new Date(now.getTime() + minutes * 60_000) });
      setCookie(c, SESSION_COOKIE, id, {
        httpOnly: true,
        sameSite: "Strict",
        path: "/admin",
        secure: new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https",
        maxAge: minutes * 60,
      });
      return session;
    },

    /** The session the request's cookie names, while it has not expired. */
    async current(c: Context): Promise<Session | undefined> {
      const id = getCookie(c, SESSION_COOKIE);
      if (!id) return undefined;
      const [row] = await store.db
        .select({ role: consoleSessions.role, actor: consoleSessions.actor, csrf: consoleSessions.csrf })
        .from(consoleSessions)
        .where(and(eq(consoleSessions.idSha256, hash(id)), gt(consoleSessions.expiresAt, clock())));
      return row ? { role: row.role as Role, actor: row.actor, csrf: row.csrf } : undefined;
    },

    async close(c: Context): Promise<void> {
      const id = getCookie(c, SESSION_COOKIE);
      if (id) await store.db.delete(consoleSessions).where(eq(consoleSessions.idSha256, hash(id)));
      deleteCookie(c, SESSION_COOKIE, { path: "/admin" });
    },
  };
}

export type SessionStore = ReturnType<typeof sessionStore>;

/** Compares the submitted CSRF token with the session's in constant time. */
export function csrfMatches(session: Session, submitted: string | undefined): boolean {
  if (!submitted) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(submitted);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A cross-site POST is refused even before the token check when the browser names another
 * origin (SameSite=Strict already keeps the cookie off it; this covers login, which has none).
 */
export function sameOrigin(c: Context): boolean {
  const origin = c.req.header("origin");
  if (!origin || origin === "null") return origin === undefined;
  const host = c.req.header("x-forwarded-host") ?? c.req.header("host") ?? new URL(c.req.url).host;
  return new URL(origin).host === host;
}
