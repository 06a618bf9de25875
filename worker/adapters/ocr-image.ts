// The OCR copy of a receipt image: derived in memory, the original is never touched (R-CAP-2).
//   1. EXIF orientation applied, transparency on white, grayscale;
//   2. a photo of a sheet on a darker background (a ticket on a table): the sheet is found (the
//      dark background reached from the image's border; the biggest connected rest), cropped to,
//      its lighting evened out (each pixel divided by the local paper brightness: shadows, vignette
//      and gradients gone, the paper white) and everything outside it made white. Without this,
//      Tesseract took the dark table for a picture region and dropped whole columns next to it
//      (p01: no amount read at all), or, once the table was white, binarised the grey paper to black;
//   3. crop to the receipt when it lies on a larger page (a page-sized scan, a photo with a table
//      around it): the content box is found on a small copy, specks and scanner noise ignored;
//   4. deskew: the angle (within ±6°) whose horizontal projection has the sharpest text lines,
//      applied only when it is at least 0.4° (below that Tesseract copes and rotating blurs);
//   5. size, by the size of the TEXT (its line pitch, from the rows of ink), not of the image:
//      doubled only when the text is tiny (lines closer than 24 px: x-height about 7–9 px, where
//      Tesseract misreads digits — a page-sized scan of a small receipt, fine print; on a photo,
//      blurred by the camera, closer than 32 px); downscaled when lines are much taller than
//      Tesseract needs, or beyond OCR_MAX_SIDE. A small image with text of a normal size is never
//      upscaled (slower, not better);
//   6. contrast: the darkest 2 % to black, the brightest 1 % to white (faint print made solid).
// 2–5 are decided on a small copy, then the pixels go through one sharp pipeline (≈ 30–150 ms).
// The result is an 8-bit grayscale PGM — no compression to spend time on; Leptonica reads it as is.
// Not kept, measured worse on the SROIE dev split: no crop (−7 totals of 40), no contrast stretch
// (−4), a 3×3 median (−10), sharpening (−6), doubling every image (±0, slower), shrinking text
// lines above 40–45 px (−2, ~5 % faster), evening out the lighting of every image, not only of
// photos on a background (−2 totals, −2 merchants; no SROIE dev image is taken for a photo).
// Not kept, measured on the French photos p01–p12: eroding the sheet's outline by 1–2 px (−1
// total, −1 VAT), scaling photo text up to a 60 px pitch (up to 4×) instead of doubling (−1
// total, +1 date, +1 VAT, slower); finding the sheet on a copy divided by its blurred self (to
// resist a lighting gradient across the table, as on p06) took scans' and SROIE's white margins
// for a table and cut pages in half — p06 (a light table, dark corner) stays partly cut.
import sharp from 'sharp';
import { openImage, type ImageInput } from './image.ts';

sharp.cache(false);

/** Longest side given to Tesseract at most. */
export const OCR_MAX_SIDE = 3600;
/** Text lines taller than this (in px, line pitch) are scaled down towards TARGET_LINE_PX. */
const MAX_LINE_PX = 80;
const TARGET_LINE_PX = 48;
/**
 * Text lines closer than this are doubled. Measured on the SROIE dev split (000–040, 2 workers):
 * doubling below 24 px took the total from 31/40 to 35/40 and dates from 36 to 37/41 for ~8 %
 * more time; doubling every image gained nothing (as DESIGN.md says); below 20 or 27 px, less.
 */
const MIN_LINE_PX = 24;
/**
 * The same on a photo (a sheet found on a darker background), where the camera blurs the print:
 * lines closer than 32 px are doubled. On the French photos (p01–p12) that read the date on 11
 * instead of 10 of 12 and the VAT lines on 9 instead of 7, and the totals stayed 12/12; scaling
 * up to a 60 px pitch instead read one total less.
 */
const PHOTO_MIN_LINE_PX = 32;
const ANALYSIS_SIDE = 600;

export interface OcrImage {
  /** Binary PGM (P5), 8-bit grayscale. */
  pgm: Buffer;
  width: number;
  height: number;
  /** Typical distance between text lines in the result, px (null when no lines stand out). */
  linePitch: number | null;
  /** What was done, for logs and tuning. */
  steps: string[];
}

export interface PreprocessOptions {
  maxPixels: number;
  crop?: boolean;
  deskew?: boolean;
  normalise?: boolean;
}

interface Gray {
  data: Buffer;
  width: number;
  height: number;
}

async function toGray(img: ReturnType<typeof sharp>): Promise<Gray> {
  const { data, info } = await img.toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected one channel, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

const rawGray = (g: Gray) => sharp(g.data, { raw: { width: g.width, height: g.height, channels: 1 } });

export async function preprocessForOcr(input: ImageInput, o: PreprocessOptions): Promise<OcrImage> {
  const steps: string[] = [];
  // Upright, on white, gray; very large images are brought under OCR_MAX_SIDE × 1.5 at once.
  const g = await toGray(
    openImage(input, o.maxPixels)
      .autoOrient()
      .flatten({ background: { r: 255, g: 255, b: 255 } })
      .grayscale()
      .resize({ width: OCR_MAX_SIDE * 1.5, height: OCR_MAX_SIDE * 1.5, fit: 'inside', withoutEnlargement: true }),
  );
  steps.push(`gray ${g.width}x${g.height}`);

  // Decisions are taken on a small copy; the pixels are then processed once, in one pipeline.
  let region = { left: 0, top: 0, width: g.width, height: g.height };
  let view = await small(g);
  let onPaper = false;
  if (o.crop !== false) {
    const p = paper(view);
    if (p) {
      onPaper = true;
      const k = g.width / view.width;
      const left = Math.max(0, Math.floor(p.x0 * k));
      const top = Math.max(0, Math.floor(p.y0 * k));
      const right = Math.min(g.width, Math.ceil((p.x1 + 1) * k));
      const bottom = Math.min(g.height, Math.ceil((p.y1 + 1) * k));
      region = { left, top, width: right - left, height: bottom - top };
      await flatten(g, region);
      // outside the paper: white, at full size (the mask is looked up at the small copy's scale)
      const s = view.width / g.width;
      for (let y = top; y < bottom; y++) {
        const row = Math.min(view.height - 1, Math.floor(y * s)) * view.width;
        for (let x = left; x < right; x++) if (!p.mask[row + Math.min(view.width - 1, Math.floor(x * s))]) g.data[y * g.width + x] = 255;
      }
      view = await small(g, region);
      steps.push(`paper ${left},${top} ${region.width}x${region.height}, lighting evened`);
    }
  }
  if (o.crop !== false) {
    const box = contentBox(view);
    if (box) {
      const s = region.width / box.sw;
      const pad = Math.round(Math.max(8, 0.02 * Math.max(g.width, g.height)));
      const left = Math.max(region.left, region.left + Math.floor(box.x0 * s) - pad);
      const top = Math.max(region.top, region.top + Math.floor(box.y0 * s) - pad);
      const right = Math.min(region.left + region.width, region.left + Math.ceil((box.x1 + 1) * s) + pad);
      const bottom = Math.min(region.top + region.height, region.top + Math.ceil((box.y1 + 1) * s) + pad);
      if ((right - left) * (bottom - top) < 0.85 * region.width * region.height) {
        region = { left, top, width: right - left, height: bottom - top };
        view = await small(g, region);
        steps.push(`crop ${left},${top} ${region.width}x${region.height}`);
      }
    }
  }

  const { angle, pitch: smallPitch } = layout(view, o.deskew !== false);
  const pitch = smallPitch === null ? null : smallPitch * view.scale;
  const fit = OCR_MAX_SIDE / Math.max(region.width, region.height);
  let scale = Math.min(1, fit);
  if (pitch && pitch > MAX_LINE_PX) scale = Math.min(fit, TARGET_LINE_PX / pitch);
  else if (pitch && pitch < (onPaper ? PHOTO_MIN_LINE_PX : MIN_LINE_PX)) scale = Math.min(fit, 2);

  let img = rawGray(g);
  if (region.width !== g.width || region.height !== g.height) img = img.extract(region);
  if (angle) {
    img = img.rotate(-angle, { background: { r: 255, g: 255, b: 255 } });
    steps.push(`deskew ${angle.toFixed(1)}°`);
  }
  if (scale < 0.98 || scale > 1.02) {
    const rad = (Math.abs(angle) * Math.PI) / 180;
    const rotatedWidth = angle ? Math.ceil(region.width * Math.cos(rad) + region.height * Math.sin(rad)) : region.width;
    img = img.resize({ width: Math.max(1, Math.round(rotatedWidth * scale)), kernel: scale > 1 ? 'cubic' : 'lanczos3' });
    steps.push(`scale ${scale.toFixed(2)} (line pitch ${pitch?.toFixed(0)} px)`);
  } else scale = 1;
  const out = await toGray(img);
  if (o.normalise !== false) {
    // Contrast, measured on the final pixels: a linear stretch that sends the darkest 2 % to
    // black and the brightest 1 % to white. On a receipt, where ink is a few percent of the
    // pixels, this makes faint thermal or blue print solid — what Tesseract needs (it binarises
    // next). It is what sharp's normalise() turned out to do (its "1 %" lands at about 2 %),
    // measured better than a 1 % stretch on the dev split (35 vs 31/40 totals), and a histogram
    // plus a lookup table costs ~90 ms per megapixel less than normalise().
    const [lo, hi] = percentiles(out.data, 0.02, 0.99);
    if (hi - lo >= 16 && (lo > 0 || hi < 255)) {
      const lut = new Uint8Array(256);
      for (let v = 0; v < 256; v++) lut[v] = Math.max(0, Math.min(255, Math.round(((v - lo) * 255) / (hi - lo))));
      for (let k = 0; k < out.data.length; k++) out.data[k] = lut[out.data[k]!]!;
      steps.push(`contrast ${lo}–${hi}`);
    }
  }
  const header = Buffer.from(`P5\n${out.width} ${out.height}\n255\n`, 'latin1');
  return { pgm: Buffer.concat([header, out.data]), width: out.width, height: out.height, linePitch: pitch ? pitch * scale : null, steps };
}

/** A copy (of a region) at most ANALYSIS_SIDE px on its longest side, with the scale back to full size. */
interface Small extends Gray {
  /** full-size px per small px */
  scale: number;
  /** width of the small copy, to scale boxes back */
  sw: number;
}
async function small(g: Gray, region?: { left: number; top: number; width: number; height: number }): Promise<Small> {
  const w = region?.width ?? g.width;
  const h = region?.height ?? g.height;
  const scale = Math.max(1, Math.max(w, h) / ANALYSIS_SIDE);
  if (scale === 1 && !region) return { ...g, scale: 1, sw: g.width };
  let img = rawGray(g);
  if (region) img = img.extract(region);
  if (scale > 1) img = img.resize({ width: Math.max(1, Math.round(w / scale)), kernel: 'linear' });
  const s = await toGray(img);
  return { ...s, scale: w / s.width, sw: s.width };
}

function percentiles(data: Uint8Array, low: number, high: number): [number, number] {
  const hist = new Uint32Array(256);
  for (const v of data) hist[v]!++;
  const at = (q: number) => {
    let acc = 0;
    for (let v = 0; v < 256; v++) if ((acc += hist[v]!) > q * data.length) return v;
    return 255;
  };
  return [at(low), at(high)];
}

/**
 * Uneven lighting evened out, in place, inside region: each pixel divided by the paper's
 * brightness around it — the brightest value within a few small-copy pixels (text removed),
 * smoothed — so that the paper is white everywhere and print keeps its contrast to it.
 */
async function flatten(g: Gray, region: { left: number; top: number; width: number; height: number }): Promise<void> {
  const v = await small(g, region);
  const { width: w, height: h } = v;
  const r = Math.max(3, Math.round(Math.max(w, h) / 100));
  const max1 = new Uint8Array(w * h);
  const max2 = new Uint8Array(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let d = Math.max(0, x - r); d <= Math.min(w - 1, x + r); d++) if (v.data[y * w + d]! > m) m = v.data[y * w + d]!;
      max1[y * w + x] = m;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let d = Math.max(0, y - r); d <= Math.min(h - 1, y + r); d++) if (max1[d * w + x]! > m) m = max1[d * w + x]!;
      max2[y * w + x] = m;
    }
  const { data: bg } = await toGray(
    sharp(max2, { raw: { width: w, height: h, channels: 1 } })
      .blur(r)
      .resize({ width: region.width, height: region.height, fit: 'fill', kernel: 'linear' }),
  );
  for (let y = 0; y < region.height; y++) {
    const o = (region.top + y) * g.width + region.left;
    const b = y * region.width;
    for (let x = 0; x < region.width; x++) {
      const d = Math.max(48, bg[b + x]!);
      g.data[o + x] = Math.min(255, Math.round((g.data[o + x]! * 255) / d));
    }
  }
}

/**
 * A sheet of paper lying on a darker background (a phone photo of a ticket on a table): the
 * background is what is darker than Otsu's threshold and connected to the image's border; the
 * paper, the biggest connected part of the rest (its print included, holes filled). Null when
 * there is no such background (a scan, a tight crop) or no paper in it.
 */
export function paper(s: Gray): { mask: Uint8Array; x0: number; y0: number; x1: number; y1: number } | null {
  const { width: w, height: h, data } = s;
  const n = w * h;
  const t = otsu(data);
  // background: dark, reached from the border
  const bg = new Uint8Array(n);
  const stack: number[] = [];
  const push = (i: number) => {
    if (!bg[i] && data[i]! <= t) {
      bg[i] = 1;
      stack.push(i);
    }
  };
  for (let x = 0; x < w; x++) { push(x); push((h - 1) * w + x); }
  for (let y = 0; y < h; y++) { push(y * w); push(y * w + w - 1); }
  let bgCount = 0;
  while (stack.length) {
    const i = stack.pop()!;
    bgCount++;
    const x = i % w;
    if (x > 0) push(i - 1);
    if (x < w - 1) push(i + 1);
    if (i >= w) push(i - w);
    if (i < n - w) push(i + w);
  }
  if (bgCount < 0.08 * n) return null;
  // the biggest connected part of the rest
  const label = new Int32Array(n);
  let best = 0;
  let bestSize = 0;
  let next = 0;
  for (let i0 = 0; i0 < n; i0++) {
    if (bg[i0] || label[i0]) continue;
    next++;
    let size = 0;
    label[i0] = next;
    stack.push(i0);
    while (stack.length) {
      const i = stack.pop()!;
      size++;
      const x = i % w;
      for (const j of [x > 0 ? i - 1 : -1, x < w - 1 ? i + 1 : -1, i - w, i + w]) {
        if (j < 0 || j >= n || bg[j] || label[j]) continue;
        label[j] = next;
        stack.push(j);
      }
    }
    if (size > bestSize) { bestSize = size; best = next; }
  }
  if (bestSize < 0.1 * n) return null;
  const mask = new Uint8Array(n);
  let x0 = w, y0 = h, x1 = -1, y1 = -1;
  for (let i = 0; i < n; i++) {
    if (label[i] !== best) continue;
    mask[i] = 1;
    const x = i % w;
    const y = (i - x) / w;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { mask, x0, y0, x1, y1 };
}

function otsu(data: Uint8Array): number {
  const hist = new Float64Array(256);
  for (const v of data) hist[v]!++;
  const n = data.length;
  let sum = 0;
  for (let v = 0; v < 256; v++) sum += v * hist[v]!;
  let wB = 0;
  let sumB = 0;
  let best = 0;
  let t = 128;
  for (let v = 0; v < 256; v++) {
    wB += hist[v]!;
    if (!wB) continue;
    const wF = n - wB;
    if (!wF) break;
    sumB += v * hist[v]!;
    const between = wB * wF * (sumB / wB - (sum - sumB) / wF) ** 2;
    if (between > best) {
      best = between;
      t = v;
    }
  }
  return t;
}

/**
 * Ink pixels: darker than Otsu's threshold between paper and print (so faint blue or thermal
 * print counts), but always clearly darker than the paper itself (its 90th percentile).
 */
function inkMask(s: Gray): Uint8Array {
  const hist = new Float64Array(256);
  for (const v of s.data) hist[v]!++;
  const n = s.data.length;
  let acc = 0;
  let paper = 255;
  for (let v = 255; v >= 0; v--) {
    acc += hist[v]!;
    if (acc >= 0.1 * n) {
      paper = v;
      break;
    }
  }
  const threshold = Math.min(otsu(s.data), paper - 25);
  const mask = new Uint8Array(n);
  for (let i = 0; i < n; i++) mask[i] = s.data[i]! <= threshold ? 1 : 0;
  return mask;
}

/**
 * The box of the content, in small-copy pixels: columns (then rows, inside them) with a few ink
 * pixels at least, grouped into bands across small gaps; bands holding little ink (specks, a
 * stray mark far from the receipt) are left out. Null when the box would leave out more than a
 * few percent of the ink — cropping must only ever remove blank paper.
 */
export function contentBox(s: Small): { x0: number; y0: number; x1: number; y1: number; sw: number } | null {
  const mask = inkMask(s);
  const { width: w, height: h } = s;
  const cols = new Uint32Array(w);
  let total = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) cols[x]! += mask[y * w + x]!;
  for (const c of cols) total += c;
  if (!total) return null;
  const xr = band(cols, Math.max(2, Math.round(0.003 * h)), Math.round(0.06 * w));
  if (!xr) return null;
  const rows = new Uint32Array(h);
  for (let y = 0; y < h; y++) for (let x = xr[0]; x <= xr[1]; x++) rows[y]! += mask[y * w + x]!;
  const yr = band(rows, Math.max(2, Math.round(0.003 * (xr[1] - xr[0] + 1))), Math.round(0.08 * h));
  if (!yr) return null;
  let inside = 0;
  for (let y = yr[0]; y <= yr[1]; y++) inside += rows[y]!;
  if (inside < 0.95 * total) return null;
  return { x0: xr[0], x1: xr[1], y0: yr[0], y1: yr[1], sw: w };
}

/** From the first to the last band (runs of indices with count ≥ min, joined across gaps ≤ maxGap) that holds at least a tenth of the ink of the biggest. */
function band(counts: Uint32Array, min: number, maxGap: number): [number, number] | null {
  const runs: { a: number; b: number; mass: number }[] = [];
  let cur: { a: number; b: number; mass: number } | null = null;
  let gap = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    if (c >= min) {
      if (cur && gap <= maxGap) {
        cur.b = i;
        cur.mass += c;
      } else {
        cur = { a: i, b: i, mass: c };
        runs.push(cur);
      }
      gap = 0;
    } else gap++;
  }
  if (!runs.length) return null;
  const biggest = Math.max(...runs.map((r) => r.mass));
  const kept = runs.filter((r) => r.mass >= 0.1 * biggest);
  return [kept[0]!.a, kept[kept.length - 1]!.b];
}

/**
 * Skew in degrees (positive: text lines go down to the right) — the angle, within ±6°, whose
 * horizontal projection of the ink is sharpest; 0 when below 0.4° (Tesseract copes, rotating
 * blurs) or when the profile is flat (no text lines) — and the typical distance between text
 * lines in that projection (small-copy px; null when no lines stand out).
 */
export function layout(s: Gray, deskew = true): { angle: number; pitch: number | null } {
  const mask = inkMask(s);
  const { width: w, height: h } = s;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (mask[y * w + x]) { xs.push(x); ys.push(y); }
  const profile = (deg: number) => {
    const t = (deg * Math.PI) / 180;
    const sin = Math.sin(t);
    const cos = Math.cos(t);
    const off = Math.ceil(w * Math.abs(sin)) + 1;
    const bins = new Float64Array(h + 2 * off + 2);
    for (let i = 0; i < xs.length; i++) bins[Math.round(ys[i]! * cos - xs[i]! * sin) + off]!++;
    return bins;
  };
  const sharpness = (bins: Float64Array) => bins.reduce((sq, b) => sq + b * b, 0);
  let angle = 0;
  if (deskew && xs.length >= 200) {
    const flat = sharpness(profile(0));
    let best = 0;
    let bestScore = flat;
    for (let d = -6; d <= 6; d += 0.5) {
      const sc = sharpness(profile(d));
      if (sc > bestScore * 1.0001) { best = d; bestScore = sc; }
    }
    const coarse = best;
    for (let d = coarse - 0.5; d <= coarse + 0.5; d += 0.1) {
      const sc = sharpness(profile(d));
      if (sc > bestScore * 1.0001) { best = d; bestScore = sc; }
    }
    angle = (bestScore - flat) / flat < 0.02 || Math.abs(best) < 0.4 ? 0 : Math.round(best * 10) / 10;
  }
  // line pitch: the median distance between the starts of successive rows of ink
  const bins = profile(angle);
  const min = Math.max(1, Math.round(0.01 * w));
  const starts: number[] = [];
  let inLine = false;
  bins.forEach((b, y) => {
    const on = b >= min;
    if (on && !inLine) starts.push(y);
    inLine = on;
  });
  if (starts.length < 4) return { angle, pitch: null };
  const gaps = starts.slice(1).map((y, i) => y - starts[i]!).sort((a, b) => a - b);
  return { angle, pitch: gaps[Math.floor(gaps.length / 2)]! };
}
