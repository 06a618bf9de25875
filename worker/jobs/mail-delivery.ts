import type { Container } from '../../api/container.ts';

/** Sends mail that could not go out at once (SMTP down), with backoff; see api/infra/mailer.ts. */
export async function mailDelivery(c: Container): Promise<void> {
  const { sent, failed } = await c.mailer.deliver();
  if (sent || failed) c.log.info({ sent, failed }, 'mail delivery retried');
}
