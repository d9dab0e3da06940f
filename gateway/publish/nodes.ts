import amqp, { type ChannelModel } from "amqplib";
import { OutageError, messageOf } from "../errors.ts";
import { withoutPassword } from "../logger.ts";

/**
 * The broker nodes of `AMQP_URL` (or `amqp.urls`): one URL, or several separated by commas,
 * e.g. `amqp://u:p@rabbit-0:5672,amqp://u:p@rabbit-1:5672,amqp://u:p@rabbit-2:5672`.
 *
 * @example
 * brokerUrls("amqp://a:5672, amqp://b:5672") // ["amqp://a:5672", "amqp://b:5672"]
 */
export function brokerUrls(list: string | readonly string[]): string[] {
  const urls = (typeof list === "string" ? list.split(",") : list).map((u) => u.trim()).filter((u) => u.length > 0);
  if (urls.length === 0) throw new Error("no broker URL given");
  return urls;
}

/** Node list for logs: every URL without its password. */
export function describeNodes(urls: readonly string[]): string {
  return urls.map(withoutPassword).join(", ");
}

/**
 * Connects to the first node of a list that answers. After the connected node went away, the
 * next attempt starts with the node after it (a node that just failed is tried last), so a
 * node killed for good is skipped at once and a node that came back is used again only when
 * the others fail. Failover is ours rather than amqp-connection-manager's: that library buffers
 * publishes in memory and sends them again after a reconnect, a second queue beside the outbox
 * that would blur what counts as published; here a message is published only when the node
 * that took it confirmed it, and everything else stays due in the outbox.
 */
export class BrokerNodes {
  readonly urls: string[];
  private next = 0;
  private current: number | undefined;

  constructor(list: string | readonly string[]) {
    this.urls = brokerUrls(list);
  }

  /** The URL of the node connected last (without password), for logs and status. */
  get connectedTo(): string | undefined {
    return this.current === undefined ? undefined : withoutPassword(this.urls[this.current]!);
  }

  /** Opens a connection to the first node that answers; throws a retryable OutageError when none does. */
  async connect(connectionName: string): Promise<ChannelModel> {
    const failures: string[] = [];
    for (let i = 0; i < this.urls.length; i++) {
      const at = (this.next + i) % this.urls.length;
      try {
        const model = await amqp.connect(withHeartbeat(this.urls[at]!), { timeout: 5000, clientProperties: { connection_name: connectionName } });
        this.current = at;
        this.next = at;
        return model;
      } catch (err) {
        failures.push(`${withoutPassword(this.urls[at]!)}: ${messageOf(err)}`);
      }
    }
    this.current = undefined;
    throw new OutageError(`broker unreachable at ${failures.join("; ")}`, { retryable: true });
  }

  /** The connected node went away: start the next attempt with the node after it. */
  lost(): void {
    if (this.current !== undefined) this.next = (this.current + 1) % this.urls.length;
    this.current = undefined;
  }
}

/**
 * A heartbeat of 10 s unless the URL sets one: a node cut off by the network (no FIN, no RST)
 * is then noticed within ~20 s rather than after the broker's default of a minute or more.
 */
function withHeartbeat(url: string): string {
  const u = new URL(url);
  if (!u.searchParams.has("heartbeat")) u.searchParams.set("heartbeat", "10");
  return u.toString();
}
