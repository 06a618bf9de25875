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
