// A real API on 127.0.0.1 (fresh database, serving web/dist) for browser tests.
import { createServer, type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createTestContext, type TestContext } from './context.ts';

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

/** `port` when a peer must know our URL first (an OIDC provider's redirect URI). */
export async function startServer(opts: { env?: Record<string, string>; port?: number } = {}): Promise<{ url: string; ctx: TestContext; stop(): Promise<void> }> {
  const port = opts.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const ctx = await createTestContext({ PUBLIC_URL: url, ...opts.env });
  const server: Server = await new Promise((res) => {
    const s = ctx.app.listen(port, '127.0.0.1', () => res(s));
  });
  return {
    url,
    ctx,
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await ctx.close();
    },
  };
}
