// The only place object keys are built or checked. Each feature adds its key builder here
// (receipts, renditions, vault deposits); a key never carries unchecked user input.
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SAFE_START = /^(?:[A-Za-z0-9][A-Za-z0-9._-]{0,127})?$/;

export function assertSafeKey(key: string): string {
  const parts = key.split('/');
  if (parts.some((p) => !SAFE.test(p))) throw new Error(`unsafe object key: ${JSON.stringify(key)}`);
  return key;
}

/**
 * A listing prefix: '' (everything), whole segments ending in '/' ('receipts/abc/'), or whole
 * segments followed by the start of one ('receipts/ab'). Nothing that could climb out of the store.
 */
export function assertSafePrefix(prefix: string): string {
  const parts = prefix.split('/');
  const last = parts.pop() ?? '';
  if (parts.some((p) => !SAFE.test(p)) || !SAFE_START.test(last)) throw new Error(`unsafe object key prefix: ${JSON.stringify(prefix)}`);
  return prefix;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A receipt original: `<client>/<sha256>` — once per Client, never shared across Clients. */
export function receiptKey(tenantId: string, sha256: string): string {
  if (!UUID.test(tenantId) || !SHA256_HEX.test(sha256)) throw new Error(`bad receipt key parts: ${tenantId}, ${sha256}`);
  return `${tenantId}/${sha256}`;
}

/** Matches a receipt original's key of that Client; group 1 is the SHA-256. */
export function receiptKeyPattern(tenantId: string): RegExp {
  if (!UUID.test(tenantId)) throw new Error(`bad tenant id: ${tenantId}`);
  return new RegExp(`^${tenantId}/([0-9a-f]{64})$`);
}

/** Names of a receipt's renditions: the normalised image, its thumbnail, page images of a PDF. */
export const RENDITION_NAME = /^(normalized|thumbnail|page-[1-9][0-9]{0,2})$/;

/**
 * A rendition derived from a receipt original: `<client>/derived/<original sha256>/<name>.jpg`.
 * Never matched by receiptKeyPattern, so the orphan scan of originals leaves it alone.
 */
export function renditionKey(tenantId: string, originalSha256: string, name: string): string {
  if (!UUID.test(tenantId) || !SHA256_HEX.test(originalSha256) || !RENDITION_NAME.test(name)) throw new Error(`bad rendition key parts: ${tenantId}, ${originalSha256}, ${name}`);
  return `${tenantId}/derived/${originalSha256}/${name}.jpg`;
}

/** Matches a rendition key of that Client; group 1 is the original's SHA-256, group 2 the name. */
export function renditionKeyPattern(tenantId: string): RegExp {
  if (!UUID.test(tenantId)) throw new Error(`bad tenant id: ${tenantId}`);
  return new RegExp(`^${tenantId}/derived/([0-9a-f]{64})/(normalized|thumbnail|page-[1-9][0-9]{0,2})\\.jpg$`);
}

/** A deposited original in the vault location: one object per Client and content. */
export function vaultKey(tenantId: string, sha256: string): string {
  if (!UUID.test(tenantId) || !SHA256_HEX.test(sha256)) throw new Error(`bad vault key parts: ${tenantId}, ${sha256}`);
  return `${tenantId}/${sha256}`;
}
