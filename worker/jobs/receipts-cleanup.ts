import type { Container } from '../../api/container.ts';

/** Hourly: receipt objects released or left without a row for over an hour (receipts.service.ts). */
export async function receiptsCleanup(c: Container): Promise<void> {
  await c.receipts.cleanup();
}
