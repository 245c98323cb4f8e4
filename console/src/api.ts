/** The ledger's API as the console calls it: the key of this browser session, problem+json read into an Error. */
const KEY = 'ledger-console-key';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY),
  signIn: (key: string): void => sessionStorage.setItem(KEY, key),
  signOut: (): void => sessionStorage.removeItem(KEY),
};

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call(method: string, path: string, body?: unknown): Promise<Response> {
  const response = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${session.key() ?? ''}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  if (!response.ok) {
    const problem = (await response.json().catch(() => ({}))) as { code?: string; detail?: string };
    throw new Problem(response.status, problem.code ?? `HTTP_${response.status}`, problem.detail ?? response.statusText);
  }
  return response;
}

export const get = async <T>(path: string): Promise<T> => (await (await call('GET', path)).json()) as T;
export const post = async <T>(path: string, body: unknown): Promise<T> => (await (await call('POST', path, body)).json()) as T;

/** A document the API serves as a file (CSV, PDF), saved through the browser: a link cannot carry the key. */
export async function download(path: string, fileName: string): Promise<void> {
  const blob = await (await call('GET', path)).blob();
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = fileName;
  link.click();
  URL.revokeObjectURL(link.href);
}

/** What a key may not read shows as such, not as an error: an auditor reads failures, a billing key parked webhooks. */
export async function ifAllowed<T>(load: () => Promise<T>): Promise<T | null> {
  try {
    return await load();
  } catch (problem) {
    if (problem instanceof Problem && problem.status === 403) return null;
    throw problem;
  }
}

export interface Caller {
  readonly actor: string;
  readonly roles: readonly string[];
  readonly wabas: readonly string[] | null;
}

export const canWrite = (caller: Caller): boolean => caller.roles.includes('billing') || caller.roles.includes('admin');
