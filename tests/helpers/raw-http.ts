// Raw HTTP for hostile-input tests: sends exactly the bytes given (headers and body) over a socket
// and reads the answer with Node's HTTP parser, so malformed requests reach the server unchanged.
import { connect, type Socket } from 'node:net';
import { request } from 'node:http';

export interface RawAnswer { status: number; headers: Record<string, string | string[] | undefined>; text: string; json?: any }

/** One request with an exact body (Content-Length set from it unless given); rejects after `ms`. */
export function rawRequest(baseUrl: string, opts: { method: string; path: string; headers?: Record<string, string>; body?: Buffer | string; ms?: number }): Promise<RawAnswer> {
  const u = new URL(baseUrl);
  const body = opts.body === undefined ? undefined : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  return new Promise((resolve, reject) => {
    const req = request({
      host: u.hostname, port: u.port, method: opts.method, path: opts.path, agent: false,
      headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...opts.headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let json: any;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    const timer = setTimeout(() => { req.destroy(); reject(new Error(`no answer within ${opts.ms ?? 5000} ms: ${opts.method} ${opts.path.slice(0, 120)}`)); }, opts.ms ?? 5000);
    req.on('error', (e) => { clearTimeout(timer); reject(e); });
    req.end(body);
  });
}

/** Opens a socket to the server; `closed` resolves when the server (or anyone) closes it. */
export function openSocket(baseUrl: string): Promise<{ socket: Socket; closed: Promise<string> }> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let received = '';
    socket.on('data', (d) => { received += d.toString('latin1'); });
    const closed = new Promise<string>((r) => socket.on('close', () => r(received)));
    socket.on('error', () => { /* the close event follows */ });
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}
