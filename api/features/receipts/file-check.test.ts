import { describe, expect, it } from 'vitest';
import { jpeg, png } from '../../../test/support/images.ts';
import { checkReceiptFile, declaredTypeConflict, sniffType } from './file-check.ts';

const MAX = 50_000_000;
const check = (b: Buffer) => checkReceiptFile(b.subarray(0, 65536), b.subarray(-1024), b.length, MAX);

describe('receipt file checks (from the bytes only)', () => {
  it('recognises each accepted type', () => {
    expect(sniffType(png(2, 2))).toBe('image/png');
    expect(sniffType(jpeg(10, 10))).toBe('image/jpeg');
    expect(sniffType(Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8X', 'latin1'))).toBe('image/webp');
    expect(sniffType(Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1'))).toBe('image/heic');
    expect(sniffType(Buffer.from('\x00\x00\x00\x14ftypmif1\x00\x00\x00\x00mif1', 'latin1'))).toBe('image/heif');
    expect(sniffType(Buffer.from('%PDF-1.7\n...'))).toBe('application/pdf');
  });

  it('accepts sound files with their declared size', () => {
    expect(check(png(40, 30))).toEqual({ ok: true, type: 'image/png', width: 40, height: 30 });
    expect(check(jpeg(1200, 1600))).toEqual({ ok: true, type: 'image/jpeg', width: 1200, height: 1600 });
    expect(check(Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n'))).toEqual({ ok: true, type: 'application/pdf' });
  });

  it('refuses empty, unknown, truncated, damaged and bomb files with a human message', () => {
    expect(check(Buffer.alloc(0))).toMatchObject({ ok: false, reason: 'empty' });
    expect(check(Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(100)]))).toMatchObject({ ok: false, reason: 'unsupported-type', message: expect.stringMatching(/Windows executable/) });
    expect(check(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'))).toMatchObject({ ok: false, reason: 'unsupported-type', message: expect.stringMatching(/SVG/) });
    expect(check(jpeg(100, 100, false))).toMatchObject({ ok: false, reason: 'truncated' });
    const p = png(40, 30);
    expect(check(p.subarray(0, p.length - 20))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(check(Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\n'))).toMatchObject({ ok: false, reason: 'truncated' });
    // a 50 000 × 50 000 PNG of a few hundred bytes: refused before any decoder sees it
    const bomb = png(10, 10, { width: 50_000, height: 50_000 });
    expect(bomb.length).toBeLessThan(1000);
    expect(check(bomb)).toMatchObject({ ok: false, reason: 'too-many-pixels', message: expect.stringMatching(/50000 × 50000/) });
    expect(check(jpeg(0, 100))).toMatchObject({ ok: false, reason: 'corrupt' });
  });

  it('refuses a declared type that names another format', () => {
    expect(declaredTypeConflict('image/jpeg', 'application/pdf')).toMatch(/sent as image\/jpeg but its content is application\/pdf/);
    expect(declaredTypeConflict('image/jpg', 'image/jpeg')).toBeUndefined();
    expect(declaredTypeConflict('image/heif', 'image/heic')).toBeUndefined();
    expect(declaredTypeConflict('application/octet-stream', 'image/png')).toBeUndefined();
    expect(declaredTypeConflict(undefined, 'image/png')).toBeUndefined();
  });
});
