import type { ProcessCardOut } from "./responses.ts";

/**
 * Process cards of the deliveries this process accepted, for FetchProcessCard. Kept per
 * process and bounded; the delivery itself and its timeline live in the store.
 */
export class ProcessCards {
  private readonly cards = new Map<string, ProcessCardOut>();
  constructor(private readonly max = 10_000) {}

  put(portalId: string, card: ProcessCardOut): void {
    this.cards.set(`${portalId} ${card.messageId}`, card);
    if (this.cards.size > this.max) this.cards.delete(this.cards.keys().next().value!);
  }

  get(portalId: string, messageId: string): ProcessCardOut | undefined {
    return this.cards.get(`${portalId} ${messageId}`);
  }
}
