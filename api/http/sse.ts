// Server-sent events (text/event-stream) on an Express response: headers that no proxy buffers,
// a comment line every HEARTBEAT_MS so idle connections stay open, an end after `lifetimeMs` (the
// client reconnects — EventSource does — and its access is checked again), cleanup when the client
// goes away. Used by the live routes (expenses, workflow counts).
import type { Request, Response } from 'express';

const HEARTBEAT_MS = 25_000;
/** How long one stream lasts. */
export const STREAM_LIFETIME_MS = 5 * 60_000;

export interface EventStream {
  send(event: string, data: unknown): void;
  end(): void;
  readonly ended: boolean;
  /** Runs once when the stream ends, whoever ends it (at once if it has). */
  onEnd(fn: () => void): void;
}

export function openEventStream(req: Request, res: Response, lifetimeMs = STREAM_LIFETIME_MS): EventStream {
  res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
  res.flushHeaders();
  const cleanups: (() => void)[] = [];
  let ended = false;
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  const lifetime = setTimeout(() => stream.end(), lifetimeMs);
  const stream: EventStream = {
    send(event, data) {
      if (!ended) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    end() {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      for (const f of cleanups) f();
      res.end();
    },
    get ended() {
      return ended;
    },
    onEnd(fn) {
      if (ended) fn(); // already over (the client left while the watch was being set up)
      else cleanups.push(fn);
    },
  };
  req.on('close', () => stream.end());
  return stream;
}

/**
 * Coalesces bursts of change notices into one call of `read` after `delayMs`; a notice that comes
 * while `read` runs schedules one more run after it.
 */
export function coalesce(read: () => Promise<void>, delayMs: number): { notify(): void; cancel(): void } {
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  let cancelled = false;
  const notify = () => {
    if (cancelled || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      if (running) {
        again = true;
        return;
      }
      running = true;
      read().finally(() => {
        running = false;
        if (again) {
          again = false;
          notify();
        }
      });
    }, delayMs);
  };
  return { notify, cancel: () => ((cancelled = true), clearTimeout(timer)) };
}
