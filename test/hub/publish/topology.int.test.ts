import amqp from "amqplib";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { postAntrag } from "../../support/forms.ts";
import { startTestHub, type TestHub } from "../../support/hub.ts";

describe("broker topology declared from config", () => {
  let hub: TestHub;
  let conn: amqp.ChannelModel;
  beforeAll(async () => {
    hub = await startTestHub();
    conn = await amqp.connect(inject("amqpUrl"));
  });
  afterAll(async () => {
    await conn?.close();
    await hub?.stop();
  });

  it("declares durable quorum queues: a classic redeclaration is refused by the broker", async () => {
    for (const q of hub.allQueues()) {
      const ch = await conn.createChannel();
      ch.on("error", () => {});
      const deadLetter = { "x-dead-letter-exchange": `${hub.prefix}.dead-letter`, "x-dead-letter-routing-key": q.slice(hub.prefix.length + 1) };
      await expect(ch.assertQueue(q, { durable: true, arguments: { ...deadLetter, "x-queue-type": "classic" } })).rejects.toThrow(
        /PRECONDITION_FAILED.*x-queue-type/,
      );
    }
  });

  it("dead-letters a message that its consumer rejects into <queue>.dlq", async () => {
    const res = await postAntrag(hub, { transactionId: "dlx-1" });
    expect(res.status).toBe(202);
    const queue = hub.queue("kiel", "dms");
    const ch = await conn.createChannel();
    let msg: amqp.GetMessage | false = false;
    for (let i = 0; i < 100 && !msg; i++) {
      msg = await ch.get(queue, { noAck: false });
      if (!msg) await new Promise((r) => setTimeout(r, 50));
    }
    expect(msg).toBeTruthy();
    ch.nack(msg as amqp.GetMessage, false, false);
    const dead = await hub.broker.drain(`${queue}.dlq`, { atLeast: 1 });
    expect(dead).toHaveLength(1);
    expect((dead[0]!.body as any).data.sourceId).toBe("dlx-1");
    expect(dead[0]!.messageId).toBe((msg as amqp.GetMessage).properties.messageId);
    await ch.close();
  });
});
