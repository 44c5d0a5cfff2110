// A minimal Unicat client for tests: auth, then POST calls with the JWT, keeping renewed JWTs.
export interface UnicatResponse { status: number; body: any; headers: Headers }

export class UnicatClient {
  jwt: string | undefined;
  constructor(readonly baseUrl: string, readonly projectGid: string) {}

  async auth(apiKey: string): Promise<UnicatResponse> {
    const res = await this.raw('auth', { api_key: apiKey });
    if (res.status === 200) this.jwt = res.headers.get('authorization') ?? undefined;
    return res;
  }

  /** POST /api/p/{project}/{call} with a JSON body (or a raw string body). */
  async raw(call: string, body?: unknown, headers: Record<string, string> = {}): Promise<UnicatResponse> {
    const h: Record<string, string> = { ...headers };
    if (this.jwt && !('authorization' in h)) h.authorization = `Bearer ${this.jwt}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}/api/p/${this.projectGid}/${call}`, { method: 'POST', headers: h, body: payload });
    const renewed = res.headers.get('authorization');
    if (renewed && res.status === 200 && call !== 'auth') this.jwt = renewed;
    const text = await res.text();
    let parsed: any = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers };
  }

  /** A call expected to succeed; returns {result, data} or throws with the error body. */
  async call(call: string, body: unknown = {}): Promise<{ result: any; data: any }> {
    const res = await this.raw(call, body);
    if (res.status !== 200 || res.body?.success !== true) {
      throw new Error(`${call} -> ${res.status} ${JSON.stringify(res.body)}`);
    }
    return res.body;
  }

  async upload(fields: Record<string, string>, file: { name: string; content: Buffer | string; type?: string }, call = 'assets/upload'): Promise<UnicatResponse> {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('upload_file', new Blob([file.content], { type: file.type ?? 'application/octet-stream' }), file.name);
    const res = await fetch(`${this.baseUrl}/api/p/${this.projectGid}/${call}`, {
      method: 'POST', headers: this.jwt ? { authorization: `Bearer ${this.jwt}` } : {}, body: form,
    });
    const text = await res.text();
    let parsed: any = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, body: parsed, headers: res.headers };
  }
}
