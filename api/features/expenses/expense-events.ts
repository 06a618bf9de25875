// Live updates of expenses (R-OCR-2): who is looking at which expense, and a nudge when it may have
// changed. The database announces committed changes (migration 007: NOTIFY with ids only, from any
// process: the API, a worker on another machine); this hub LISTENs once per process and calls the
// watchers concerned, which re-read the expense through the tenant wall and the visibility rule.
// Free of HTTP: the route turns a watch into server-sent events.
import type { Logger } from 'pino';
import type { Database } from '../../../storage/db/db.ts';

export interface ExpenseWatch {
  tenantId: string;
  /** null: any expense of the Client (a queue, its counts). */
  expenseId: string | null;
  /** The SHA-256 of the expense's receipts: their OCR and rendition jobs concern it too. */
  shas: ReadonlySet<string>;
  /** May have changed (also after a gap in the notifications): read it again. */
  changed(): void;
}

export class ExpenseEvents {
  private readonly watches = new Set<ExpenseWatch>();
  private listening: Promise<(() => Promise<void>)[]> | null = null;

  constructor(private readonly d: { db: Database; log: Logger }) {}

  /** Starts watching (and, the first time, listening); returns the function that stops. */
  async watch(w: ExpenseWatch): Promise<() => void> {
    this.listening ??= this.listen();
    await this.listening.catch((e) => {
      this.listening = null;
      throw e;
    });
    this.watches.add(w);
    return () => this.watches.delete(w);
  }

  get watching(): number {
    return this.watches.size;
  }

  private listen() {
    const gap = () => this.each(() => true);
    return Promise.all([
      // '<tenant>:<expense>', or '<tenant>:*' when a statement changed many expenses of the Client (migration 017)
      this.d.db.listen('justif_expense', (p) => this.each((w) => (w.expenseId === null || p.endsWith(':*') ? p.startsWith(`${w.tenantId}:`) : p === `${w.tenantId}:${w.expenseId}`)), gap),
      this.d.db.listen('justif_receipt', (p) => {
        const at = p.indexOf(':');
        const tenantId = p.slice(0, at);
        const sha = p.slice(at + 1);
        this.each((w) => w.tenantId === tenantId && w.shas.has(sha));
      }, gap),
    ]);
  }

  private each(concerns: (w: ExpenseWatch) => boolean) {
    for (const w of this.watches) {
      if (!concerns(w)) continue;
      try {
        w.changed();
      } catch (e) {
        this.d.log.warn({ err: e }, 'expense watcher failed');
      }
    }
  }

  async close(): Promise<void> {
    const stops = await this.listening?.catch(() => []);
    this.listening = null;
    this.watches.clear();
    await Promise.all((stops ?? []).map((s) => s().catch(() => {})));
  }
}
