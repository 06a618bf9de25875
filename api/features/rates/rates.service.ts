// The Client's exchange rates (R-CAP-1): entered by an admin or imported from the ECB file.
// An expense in a foreign currency takes the latest rate on or before its date and keeps a copy.
import { sql } from 'kysely';
import type { TenantDb } from '../../../storage/db/tenant-db.ts';
import type { Clock } from '../../clock.ts';
import { AppError } from '../../http/errors.ts';
import { isCurrency } from '../../lib/money.ts';
import type { AuditActor, AuditService } from '../audit/audit.service.ts';
import { EcbFormatError, parseEcbCsv, ratesFor } from './ecb.ts';
import type { RateView } from './rates.schemas.ts';

const view = (r: { currency: string; rate_date: string; rate: string; source: 'manual' | 'ecb' }): RateView => ({ currency: r.currency, date: r.rate_date, rate: r.rate.replace(/\.?0+$/, ''), source: r.source });

export class RatesService {
  constructor(private readonly d: { clock: Clock; audit: AuditService }) {}

  private async clientCurrency(tdb: TenantDb): Promise<string> {
    const t = await tdb.raw.selectFrom('tenant').select('currency').where('id', '=', tdb.tenantId).executeTakeFirstOrThrow();
    return t.currency;
  }

  async list(tdb: TenantDb, f: { currency?: string; from?: string; to?: string; limit: number }) {
    let q = tdb.selectFrom('exchange_rate').select(['currency', 'rate_date', 'rate', 'source']).orderBy('rate_date', 'desc').orderBy('currency').limit(f.limit);
    if (f.currency) q = q.where('currency', '=', f.currency);
    if (f.from) q = q.where('rate_date', '>=', f.from);
    if (f.to) q = q.where('rate_date', '<=', f.to);
    return { clientCurrency: await this.clientCurrency(tdb), items: (await q.execute()).map(view) };
  }

  async set(tdb: TenantDb, actor: AuditActor, v: { currency: string; date: string; rate: string }): Promise<RateView> {
    if (!isCurrency(v.currency)) throw new AppError('validation', 'Unknown currency', { errors: [{ path: 'body.currency', message: `${v.currency} is not an ISO 4217 currency` }] });
    return tdb.transaction(async (tx) => {
      const base = await this.clientCurrency(tx);
      if (v.currency === base) throw new AppError('validation', 'The Client\'s own currency needs no rate', { errors: [{ path: 'body.currency', message: `${base} is the Client's currency` }] });
      await this.upsert(tx, [{ currency: v.currency, rate_date: v.date, rate: v.rate, source: 'manual' }]);
      await this.d.audit.record(tx.raw, actor, { type: 'exchange_rate.set', tenantId: tx.tenantId, target: { type: 'exchange_rate', id: `${v.currency}:${v.date}` }, data: { currency: v.currency, date: v.date, rate: v.rate } });
      return view({ currency: v.currency, rate_date: v.date, rate: v.rate, source: 'manual' });
    });
  }

  /** Imports the ECB file (daily or history; history from `since`, default one year back). */
  async importEcb(tdb: TenantDb, actor: AuditActor, text: string, since?: string) {
    let days;
    try {
      days = parseEcbCsv(text);
    } catch (e) {
      if (e instanceof EcbFormatError) throw new AppError('import-invalid', `Not an ECB reference-rate file: ${e.message}`, { errors: [{ message: e.message }] });
      throw e;
    }
    const from = since ?? new Date(this.d.clock.now().getTime() - 366 * 86_400_000).toISOString().slice(0, 10);
    return tdb.transaction(async (tx) => {
      const base = await this.clientCurrency(tx);
      const rows = days
        .filter((d) => d.date >= from)
        .flatMap((d) => [...ratesFor(d, base)].filter(([c]) => c !== base && isCurrency(c)).map(([currency, rate]) => ({ currency, rate_date: d.date, rate, source: 'ecb' as const })));
      if (rows.length === 0) throw new AppError('import-invalid', `No rate for ${base} or no day since ${from} in the file`, { errors: [{ message: 'nothing to import' }] });
      for (let i = 0; i < rows.length; i += 1000) await this.upsert(tx, rows.slice(i, i + 1000));
      const currencies = [...new Set(rows.map((r) => r.currency))].sort();
      const dates = new Set(rows.map((r) => r.rate_date));
      await this.d.audit.record(tx.raw, actor, { type: 'exchange_rates.imported', tenantId: tx.tenantId, data: { rates: rows.length, days: dates.size, from: [...dates].sort()[0]!, to: [...dates].sort().at(-1)! } });
      return { imported: rows.length, days: dates.size, currencies };
    });
  }

  private upsert(tx: TenantDb, rows: { currency: string; rate_date: string; rate: string; source: 'manual' | 'ecb' }[]) {
    return tx
      .insertInto('exchange_rate', rows)
      .onConflict((oc) => oc.columns(['tenant_id', 'currency', 'rate_date']).doUpdateSet({ rate: sql`excluded.rate`, source: sql`excluded.source`, created_at: sql`now()` }))
      .execute();
  }

  /** The rate for an expense: 1 in the Client's currency, else the latest on or before its date. */
  async rateFor(tdb: TenantDb, currency: string, date: string): Promise<{ rate: string; date: string; clientCurrency: string }> {
    const base = await this.clientCurrency(tdb);
    if (currency === base) return { rate: '1', date, clientCurrency: base };
    const r = await tdb.selectFrom('exchange_rate').select(['rate', 'rate_date']).where('currency', '=', currency).where('rate_date', '<=', date).orderBy('rate_date', 'desc').limit(1).executeTakeFirst();
    if (!r) throw new AppError('validation', `No ${currency} exchange rate on or before ${date}`, { errors: [{ path: 'body.currency', message: `no ${currency} rate on or before ${date}: an admin adds one (or imports the ECB file)` }] });
    return { rate: r.rate, date: r.rate_date, clientCurrency: base };
  }
}
