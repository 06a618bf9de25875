// Passwords: the rule of R-SEC-1 and scrypt (memory-hard, in node:crypto — no native addon).
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export const PASSWORD_RULE = 'at least 10 characters, with a lower-case letter, an upper-case letter and a digit';

export function passwordProblems(pw: string): string | undefined {
  const ok = pw.length >= 10 && /[a-z]/.test(pw) && /[A-Z]/.test(pw) && /[0-9]/.test(pw) && pw.length <= 200;
  return ok ? undefined : `The password must have ${PASSWORD_RULE} (and at most 200 characters).`;
}

// N=2^15, r=8 → 32 MiB per hash; parameters are stored with the hash so they can be raised later.
const PARAMS = { N: 2 ** 15, r: 8, p: 1, keylen: 32 };
const scrypt = (pw: string, salt: Buffer, keylen: number, o: ScryptOptions) =>
  new Promise<Buffer>((res, rej) => scryptCb(pw, salt, keylen, o, (e, k) => (e ? rej(e) : res(k))));

export async function hashPassword(pw: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p, keylen } = PARAMS;
  const key = await scrypt(pw, salt, keylen, { N, r, p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(pw: string, stored: string | null): Promise<boolean> {
  // Without a stored hash, still spend the time so response timing does not reveal accounts.
  const parts = (stored ?? DUMMY).split('$');
  const [, n, r, p, salt, key] = parts;
  if (parts.length !== 6 || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64');
  const got = await scrypt(pw, Buffer.from(salt, 'base64'), expected.length, { N: +n, r: +r, p: +p, maxmem: 64 * 1024 * 1024 });
  return stored !== null && timingSafeEqual(got, expected);
}
const DUMMY = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
