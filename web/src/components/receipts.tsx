// Receipt files: choosing them (drop zone that is the label of the file input, camera on phones,
// previews before upload, hints for the limits), the server's verdict next to each file, and the
// preview of stored receipts — from the worker's renditions when they exist, else the original
// when the browser can show it, else a "being prepared" placeholder.
import { useEffect, useId, useState, type DragEvent } from 'react';
import { API, ApiError, type Receipt } from '../api.ts';
import { useI18n, type Translate } from '../i18n/index.tsx';
import { problemText } from '../i18n/problems.ts';
import { formatBytes } from '../money.ts';

/** What the API accepts (it reads the type from the bytes; this only narrows the picker). */
export const RECEIPT_ACCEPT = 'image/jpeg,image/png,image/webp,image/heic,image/heif,application/pdf';
/** The server's default limits, shown as hints only: the server is the judge. */
export const HINT_MAX_BYTES = 20 * 1_048_576;
export const HINT_MAX_FILES = 10;

const DISPLAYABLE = new Set(['image/jpeg', 'image/png', 'image/webp']);

type FileKind = 'image' | 'heic' | 'pdf' | 'other';

function kindOf(f: { type: string; name: string }): FileKind {
  const type = f.type.toLowerCase();
  const ext = f.name.toLowerCase().split('.').pop() ?? '';
  if (DISPLAYABLE.has(type)) return 'image';
  if (type === 'image/heic' || type === 'image/heif' || ext === 'heic' || ext === 'heif') return 'heic';
  if (type === 'application/pdf' || ext === 'pdf') return 'pdf';
  if (!type && ['jpg', 'jpeg', 'png', 'webp'].includes(ext)) return 'image';
  return 'other';
}

// Renditions --------------------------------------------------------------------------------

/**
 * The names of the renditions the worker made for a receipt (`normalized`, `thumbnail`,
 * `page-1`…), read defensively: a list of names, a list of objects with a name, or an object keyed
 * by name. `undefined` when the API does not tell (no renditions field at all).
 */
export function renditionNames(r: Receipt): string[] | undefined {
  const v = (r as { renditions?: unknown }).renditions;
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v))
    return v.flatMap((x: unknown) => (typeof x === 'string' ? [x] : x && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string' ? [(x as { name: string }).name] : []));
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== null && x !== false && x !== undefined).map(([k]) => k);
  return [];
}

export const fileUrl = (r: Receipt, download = false) => `${API}/receipts/${encodeURIComponent(r.id)}/file${download ? '?download=1' : ''}`;
export const renditionUrl = (r: Receipt, name: string) => `${API}/receipts/${encodeURIComponent(r.id)}/renditions/${encodeURIComponent(name)}`;

interface View {
  images: { src: string; alt: string }[];
}

/** The ways to show a receipt, best first: normalized image, page images, the original itself. */
function previewViews(t: Translate, r: Receipt): View[] {
  const names = renditionNames(r) ?? [];
  const views: View[] = [];
  if (names.includes('normalized')) views.push({ images: [{ src: renditionUrl(r, 'normalized'), alt: t('receipts.preview', { name: r.name }) }] });
  const pages = names
    .map((n) => /^page-(\d+)$/.exec(n))
    .filter((m): m is RegExpExecArray => !!m)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (pages.length) views.push({ images: pages.map((n) => ({ src: renditionUrl(r, `page-${n}`), alt: t('receipts.page', { name: r.name, n }) })) });
  if (DISPLAYABLE.has(r.mediaType)) views.push({ images: [{ src: fileUrl(r), alt: t('receipts.preview', { name: r.name }) }] });
  return views;
}

/** True while the receipt has nothing the browser can show yet (HEIC or PDF before the worker ran). */
export function awaitsPreview(r: Receipt): boolean {
  const names = renditionNames(r);
  return names !== undefined && !DISPLAYABLE.has(r.mediaType) && !names.includes('normalized') && !names.some((n) => /^page-\d+$/.test(n));
}

/** The preview of a stored receipt, falling back view by view when an image does not load. */
export function ReceiptPreview({ receipt }: { receipt: Receipt }) {
  const { t } = useI18n();
  const views = previewViews(t, receipt);
  const [tried, setTried] = useState(0);
  // New renditions (after polling) give a new list: start again from the best one.
  const key = views.map((v) => v.images.map((i) => i.src).join()).join('|');
  useEffect(() => setTried(0), [key]);
  const view = views[tried];
  if (!view) {
    return (
      <div className="preview preview--placeholder">
        <FileIcon kind={receipt.mediaType === 'application/pdf' ? 'pdf' : 'heic'} />
        <p className="preview__title">{t('receipts.preparing')}</p>
        <p className="small muted">{t('receipts.preparing.hint')}</p>
        {receipt.mediaType === 'application/pdf' && (
          <a className="btn btn--small" href={fileUrl(receipt)} target="_blank" rel="noopener">
            {t('receipts.openPdf')}
          </a>
        )}
      </div>
    );
  }
  return (
    <div className="preview">
      {view.images.map((img) => (
        <a key={img.src} href={img.src} target="_blank" rel="noopener" className="preview__link">
          <img src={img.src} alt={img.alt} loading="lazy" decoding="async" onError={() => setTried((n) => n + 1)} />
        </a>
      ))}
    </div>
  );
}

/**
 * The receipts of an expense for whoever decides on it: one at a time (a button per receipt when
 * there are several), zoom in and out, rotate by a quarter turn, PDF pages from the renditions one
 * under the other; the original opens in a new tab. Keyboard: the buttons; the picture scrolls.
 */
export function ReceiptViewer({ receipts }: { receipts: Receipt[] }) {
  const { t } = useI18n();
  const [index, setIndex] = useState(0);
  const [zoom, setZoom] = useState(1);
  const [turns, setTurns] = useState(0);
  const [tried, setTried] = useState(0);
  const [dims, setDims] = useState<Record<string, { w: number; h: number }>>({});
  const receipt = receipts[Math.min(index, receipts.length - 1)];
  const views = receipt ? previewViews(t, receipt) : [];
  const key = views.map((v) => v.images.map((i) => i.src).join()).join('|');
  useEffect(() => setTried(0), [key]);
  const show = (i: number) => (setIndex(i), setZoom(1), setTurns(0), setTried(0));
  if (!receipt) return <p className="muted">{t('receipts.none')}</p>;
  const view = views[tried];
  const quarter = turns % 2 === 1;
  return (
    <div className="viewer" data-receipt={receipt.name}>
      {receipts.length > 1 && (
        <div className="viewer__pick" role="group" aria-label={t('viewer.receipts')}>
          {receipts.map((r, i) => (
            <button key={r.id} type="button" className="btn btn--small" aria-pressed={i === index} onClick={() => show(i)}>
              {t('viewer.receipt', { n: i + 1 })}
            </button>
          ))}
        </div>
      )}
      <div className="viewer__tools" role="toolbar" aria-label={t('viewer.tools', { name: receipt.name })}>
        <button type="button" className="btn btn--small" onClick={() => setZoom((z) => Math.max(0.5, +(z - 0.25).toFixed(2)))} disabled={zoom <= 0.5} aria-label={t('viewer.zoomOut')}>
          −
        </button>
        <span className="viewer__zoom" aria-live="polite">
          {Math.round(zoom * 100)}&nbsp;%
        </span>
        <button type="button" className="btn btn--small" onClick={() => setZoom((z) => Math.min(4, +(z + 0.25).toFixed(2)))} disabled={zoom >= 4} aria-label={t('viewer.zoomIn')}>
          +
        </button>
        <button type="button" className="btn btn--small" onClick={() => setTurns((n) => (n + 1) % 4)} aria-label={t('viewer.rotate')}>
          ↻
        </button>
        <button type="button" className="btn btn--small btn--ghost" onClick={() => (setZoom(1), setTurns(0))} disabled={zoom === 1 && turns === 0}>
          {t('viewer.reset')}
        </button>
        <a className="btn btn--small btn--ghost" href={fileUrl(receipt)} target="_blank" rel="noopener" aria-label={t('receipts.open.label', { name: receipt.name })}>
          {t('receipts.open')}
        </a>
      </div>
      {!view ? (
        <div className="preview preview--placeholder">
          <FileIcon kind={receipt.mediaType === 'application/pdf' ? 'pdf' : 'heic'} />
          <p className="preview__title">{t('receipts.preparing')}</p>
          <p className="small muted">{t('receipts.preparing.hint')}</p>
        </div>
      ) : (
        <div className="viewer__stage" tabIndex={0} aria-label={t('viewer.stage', { name: receipt.name })}>
          {view.images.map((img) => {
            const d = dims[img.src];
            // A quarter turn: the box takes the turned proportions, the picture turns inside it.
            const turned = quarter && d;
            return (
              <div key={img.src} className="viewer__page" style={{ width: `${100 * zoom}%`, ...(turned ? { aspectRatio: `${d.h} / ${d.w}`, position: 'relative' } : {}) }}>
                <img
                  src={img.src}
                  alt={img.alt}
                  decoding="async"
                  onError={() => setTried((n) => n + 1)}
                  onLoad={(e) => {
                    const { naturalWidth: w, naturalHeight: h } = e.currentTarget;
                    if (w && h) setDims((m) => (m[img.src] ? m : { ...m, [img.src]: { w, h } }));
                  }}
                  style={turned ? { position: 'absolute', left: '50%', top: '50%', width: `${(d.w / d.h) * 100}%`, maxWidth: 'none', transform: `translate(-50%, -50%) rotate(${turns * 90}deg)` } : turns ? { transform: `rotate(${turns * 90}deg)` } : undefined}
                  data-rotation={turns * 90}
                />
              </div>
            );
          })}
        </div>
      )}
    </div>
  );
}

/** The small picture of a list row: the worker's thumbnail, else an icon with the count. */
export function ReceiptIndicator({ receipts }: { receipts: Receipt[] }) {
  const { t } = useI18n();
  const [broken, setBroken] = useState(false);
  const withThumb = receipts.find((r) => renditionNames(r)?.includes('thumbnail'));
  return (
    <span className="receipt-indicator" title={t('expenses.receipts', { count: receipts.length })}>
      {withThumb && !broken ? (
        <img className="receipt-indicator__thumb" src={renditionUrl(withThumb, 'thumbnail')} alt="" onError={() => setBroken(true)} />
      ) : (
        <ClipIcon />
      )}
      <span>{t('expenses.receipts', { count: receipts.length })}</span>
    </span>
  );
}

// Choosing files ----------------------------------------------------------------------------

/**
 * The server's messages for the files it refused, by file (the problem's `errors[].path` is
 * `files.<index in the upload>`).
 */
export function fileProblems(error: unknown, sent: File[]): Map<File, string> {
  const out = new Map<File, string>();
  if (!(error instanceof ApiError)) return out;
  for (const f of error.fieldErrors) {
    const m = /^files\.(\d+)$/.exec(f.path ?? '');
    const file = m ? sent[Number(m[1])] : undefined;
    if (file) out.set(file, f.message);
  }
  return out;
}

/** The upload's problem in the assertive live region: the translated message, and the server's detail. */
export function UploadProblem({ error, intro }: { error: unknown; intro?: string }) {
  const { t } = useI18n();
  let body = null;
  if (error) {
    const api = error instanceof ApiError ? error : null;
    const { message, extra } = api ? problemText(t, api) : { message: t('problem.internal'), extra: [] as string[] };
    body = (
      <div className="alert alert--error">
        {intro && <p className="alert__title">{intro}</p>}
        <p className={intro ? 'alert__extra' : 'alert__title'}>{message}</p>
        {extra.map((x) => (
          <p key={x} className="alert__extra">
            {x}
          </p>
        ))}
      </div>
    );
  }
  return (
    <div role="alert" aria-live="assertive" className="live">
      {body}
    </div>
  );
}

/** The words of a picker used for another purpose (scan first): its drop zone, camera and list. */
export interface PickerLabels {
  drop?: string;
  camera?: string;
  chosen?: string;
}

/**
 * The drop zone (the label of a multiple file input: click, Enter or Space opens the picker, or
 * drop files on it), a "Take a photo" input for phone cameras, and the chosen files with their
 * previews, hints and the server's message for each.
 */
export function FilePicker({ files, onChange, problems, disabled, labels = {} }: { files: File[]; onChange: (files: File[]) => void; problems?: Map<File, string>; disabled?: boolean; labels?: PickerLabels }) {
  const { t } = useI18n();
  const id = useId();
  const [over, setOver] = useState(false);
  const add = (list: FileList | null) => {
    if (!list || list.length === 0) return;
    onChange([...files, ...Array.from(list)]);
  };
  const drop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    if (!disabled) add(e.dataTransfer.files);
  };
  return (
    <div className="picker">
      <div className="picker__inputs">
        <label
          className={`dropzone${over ? ' dropzone--over' : ''}${disabled ? ' dropzone--disabled' : ''}`}
          onDragEnter={(e) => (e.preventDefault(), setOver(true))}
          onDragOver={(e) => (e.preventDefault(), (e.dataTransfer.dropEffect = 'copy'))}
          onDragLeave={(e) => e.currentTarget.contains(e.relatedTarget as Node | null) || setOver(false)}
          onDrop={drop}
        >
          <input
            type="file"
            className="sr-only"
            multiple
            accept={RECEIPT_ACCEPT}
            disabled={disabled}
            aria-describedby={`${id}-hint`}
            onChange={(e) => {
              add(e.target.files);
              e.target.value = ''; // the same file may be chosen again after a removal
            }}
          />
          <UploadIcon />
          <span className="dropzone__text">{labels.drop ?? t('receipts.drop')}</span>
          <span className="dropzone__hint" id={`${id}-hint`} aria-hidden="true">
            {t('receipts.drop.hint')}
          </span>
        </label>
        <label className="btn camera">
          <input
            type="file"
            className="sr-only"
            accept="image/*"
            capture="environment"
            disabled={disabled}
            onChange={(e) => {
              add(e.target.files);
              e.target.value = '';
            }}
          />
          <CameraIcon />
          <span>{labels.camera ?? t('receipts.camera')}</span>
        </label>
      </div>
      {files.length > HINT_MAX_FILES && <p className="field__hint picker__warn">{t('receipts.warn.count')}</p>}
      {files.length > 0 && (
        <ul className="filelist" aria-label={labels.chosen ?? t('receipts.chosen')}>
          {files.map((f, i) => (
            <ChosenFile key={`${i}-${f.name}-${f.size}-${f.lastModified}`} file={f} problem={problems?.get(f)} disabled={disabled} onRemove={() => onChange(files.filter((x) => x !== f))} />
          ))}
        </ul>
      )}
    </div>
  );
}

function ChosenFile({ file, problem, onRemove, disabled }: { file: File; problem?: string; onRemove: () => void; disabled?: boolean }) {
  const { t, locale } = useI18n();
  const kind = kindOf(file);
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (kind !== 'image') return;
    const u = URL.createObjectURL(file);
    setUrl(u);
    return () => URL.revokeObjectURL(u);
  }, [file, kind]);
  const warnings = [file.size > HINT_MAX_BYTES ? t('receipts.warn.size') : null, kind === 'other' ? t('receipts.warn.type') : null].filter(Boolean);
  return (
    <li className={`filelist__item${problem ? ' filelist__item--bad' : ''}`} data-file={file.name}>
      <span className="filelist__thumb">{kind === 'image' && url ? <img src={url} alt={t('receipts.preview', { name: file.name })} /> : <FileIcon kind={kind} />}</span>
      <span className="filelist__body">
        <span className="filelist__name">{file.name}</span>
        <span className="cell-sub">
          {t('receipts.meta', { type: kind === 'pdf' ? t('receipts.pdf') : file.type || t('receipts.file'), size: formatBytes(file.size, locale) })}
        </span>
        {warnings.map((w) => (
          <span key={w} className="filelist__warn">
            {w}
          </span>
        ))}
        {problem && <span className="filelist__error">{problem}</span>}
      </span>
      <button type="button" className="btn btn--small btn--ghost" onClick={onRemove} disabled={disabled} aria-label={t('receipts.remove', { name: file.name })}>
        ×
      </button>
    </li>
  );
}

// Icons -------------------------------------------------------------------------------------

export function FileIcon({ kind }: { kind: FileKind }) {
  return (
    <svg className={`file-icon file-icon--${kind}`} viewBox="0 0 40 48" width="40" height="48" aria-hidden="true" focusable="false">
      <path d="M4 2h22l10 10v32a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V4a2 2 0 0 1 2-2z" fill="#fff" stroke="currentColor" strokeWidth="2" />
      <path d="M26 2v10h10" fill="none" stroke="currentColor" strokeWidth="2" />
      {kind === 'pdf' || kind === 'heic' ? (
        <>
          <rect x="0" y="26" width="30" height="13" rx="2" fill="currentColor" />
          <text x="15" y="36" textAnchor="middle" fontSize="9" fontWeight="700" fill="#fff" fontFamily="system-ui, sans-serif">
            {kind === 'pdf' ? 'PDF' : 'HEIC'}
          </text>
        </>
      ) : (
        <path d="M9 22h20M9 28h20M9 34h14" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
      )}
    </svg>
  );
}

function UploadIcon() {
  return (
    <svg className="dropzone__icon" viewBox="0 0 24 24" width="32" height="32" aria-hidden="true" focusable="false">
      <path d="M12 16V4m0 0-4.5 4.5M12 4l4.5 4.5M4 15v3a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2v-3" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

function CameraIcon() {
  return (
    <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
      <path d="M4 8h3l1.5-2h7L17 8h3a1 1 0 0 1 1 1v9a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V9a1 1 0 0 1 1-1z" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinejoin="round" />
      <circle cx="12" cy="13" r="3.5" fill="none" stroke="currentColor" strokeWidth="1.8" />
    </svg>
  );
}

export function ClipIcon() {
  return (
    <svg className="clip-icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
      <path d="M20 11.5 12.2 19.3a5 5 0 0 1-7.1-7.1l8.1-8.1a3.3 3.3 0 0 1 4.7 4.7l-8.1 8.1a1.7 1.7 0 0 1-2.4-2.4l7.4-7.4" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
