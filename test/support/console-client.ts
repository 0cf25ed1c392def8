/** A browser-like client of the console: keeps cookies, sends a same-origin Origin on posts, never follows redirects. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  lastSetCookies: string[] = [];
  readonly base: string;
  constructor(base: string) {
    this.base = base;
  }

  async request(method: string, path: string, form?: Record<string, string>, headers: Record<string, string> = {}) {
    const response = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded', origin: this.base } : {}),
        ...headers,
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    this.lastSetCookies = response.headers.getSetCookie();
    for (const cookie of this.lastSetCookies) {
      const [pair] = cookie.split(';');
      const [name, ...value] = pair!.split('=');
      if (/Max-Age=0/i.test(cookie)) this.cookies.delete(name!);
      else this.cookies.set(name!, value.join('='));
    }
    return { status: response.status, location: response.headers.get('location'), html: await response.text(), headers: response.headers };
  }

  get = (path: string) => this.request('GET', path);
  post = (path: string, form: Record<string, string>, headers?: Record<string, string>) => this.request('POST', path, form, headers);

  async signIn(fields: Record<string, string>) {
    const login = await this.get('/console/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.html)![1]!;
    return this.post('/console/login', { _csrf: csrf, ...fields });
  }

  /** The session's CSRF token, as every page's forms carry it. */
  async csrfOf(path: string) {
    return /name="_csrf" value="([^"]+)"/.exec((await this.get(path)).html)![1]!;
  }
}
