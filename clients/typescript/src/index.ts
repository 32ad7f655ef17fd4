/**
 * A typed client of the cosell API: the operations and schemas of `openapi/openapi.json` as
 * TypeScript types (generated into `schema.d.ts` by openapi-typescript), on openapi-fetch, with
 * what every integration writes otherwise: bearer auth that refreshes itself, problems thrown as
 * typed errors, ETag / If-Match and Idempotency-Key helpers, and an iterator over list pages.
 */
import createClient, { type Client, type Middleware } from "openapi-fetch";

import type { components, paths } from "./schema.js";

export type { components, paths } from "./schema.js";
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type ErrorCode = Schemas["ErrorCode"];
export type TokenResponse = Schemas["TokenResponse"];

/** A problem+json answer (4xx or 5xx), with its stable `code` and, for field problems, `errors`. */
export class ProblemError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
    this.name = "ProblemError";
    this.status = problem.status;
    this.problem = problem;
  }

  get code(): ErrorCode {
    return this.problem.code;
  }
}

/** What openapi-fetch answers: the body on success, the problem otherwise. */
interface Answer<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

function isProblem(value: unknown): value is Problem {
  return typeof value === "object" && value !== null && "code" in value && "status" in value;
}

/** The body of a successful answer; a problem is thrown as a {@link ProblemError}. */
export async function ok<T>(answer: Promise<Answer<T>> | Answer<T>): Promise<T> {
  const { data, error, response } = await answer;
  if (error !== undefined || !response.ok) {
    if (isProblem(error)) throw new ProblemError(error);
    throw new Error(`${response.status} ${response.statusText} without a problem body`);
  }
  return data as T;
}

/** The quoted entity tag of an answer (`"3"`), to send back in `If-Match`. */
export function etagOf(response: Response): string {
  const etag = response.headers.get("ETag");
  if (etag === null) throw new Error("the answer carries no ETag");
  return etag;
}

/** `If-Match` for the version an answer showed: a change made meanwhile makes the write 412. */
export function ifMatch(etag: string): { "If-Match": string } {
  return { "If-Match": etag };
}

/** A fresh `Idempotency-Key`: send the same one again to retry a POST safely. */
export function idempotencyKey(): { "Idempotency-Key": string } {
  return { "Idempotency-Key": crypto.randomUUID() };
}

interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Every item of a list, page after page: `fetchPage` gets the page after `cursor`. */
export async function* pages<T>(
  fetchPage: (cursor: string | undefined) => Promise<Answer<Page<T>>>,
): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const page = await ok(fetchPage(cursor));
    yield* page.items;
    cursor = page.next_cursor ?? undefined;
  } while (cursor !== undefined);
}

export interface Session {
  accessToken: string;
  refreshToken: string;
}

export interface CosellClientOptions {
  /** Where the API is, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A session to start with (from an earlier login). */
  session?: Session;
  /** Called whenever a login or refresh gives a new session, e.g. to store it. */
  onSession?: (session: Session | undefined) => void;
  fetch?: typeof globalThis.fetch;
}

export interface CosellClient {
  /** Every operation, typed by path and method: `api.GET("/v1/offers/{id}", …)`. */
  api: Client<paths>;
  /** Logs in; later calls carry the token, and an expired one is refreshed once by itself. */
  login(email: string, password: string): Promise<TokenResponse>;
  /** Ends this session (with `everywhere`, every session of the user). */
  logout(everywhere?: boolean): Promise<void>;
  session(): Session | undefined;
}

const ANONYMOUS = new Set(["/v1/accounts", "/v1/auth/token", "/v1/auth/refresh", "/v1/auth/logout"]);

export function createCosellClient(options: CosellClientOptions): CosellClient {
  const fetch = options.fetch ?? globalThis.fetch;
  let session = options.session;
  const remember = (tokens: TokenResponse) => {
    session = { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
    options.onSession?.(session);
  };
  // Enum filters are arrays sent as one comma-separated parameter (`status=draft,live`), as the
  // document says (`style: form, explode: false`).
  const api = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch,
    querySerializer: { array: { style: "form", explode: false } },
  });
  // A request body can be read once: keep a copy to send again after a refresh.
  const bodies = new WeakMap<Request, ArrayBuffer | null>();

  let refreshing: Promise<boolean> | undefined;
  const refresh = (): Promise<boolean> => {
    refreshing ??= (async () => {
      const token = session?.refreshToken;
      if (token === undefined) return false;
      const { data } = await api.POST("/v1/auth/refresh", { body: { refresh_token: token } });
      if (data === undefined) {
        session = undefined;
        options.onSession?.(undefined);
        return false;
      }
      remember(data);
      return true;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  const auth: Middleware = {
    async onRequest({ request, schemaPath }) {
      if (ANONYMOUS.has(schemaPath) || session === undefined) return undefined;
      request.headers.set("Authorization", `Bearer ${session.accessToken}`);
      bodies.set(request, request.body === null ? null : await request.clone().arrayBuffer());
      return request;
    },
    async onResponse({ request, response, schemaPath }) {
      if (response.status !== 401 || ANONYMOUS.has(schemaPath) || !bodies.has(request)) return undefined;
      if (!(await refresh()) || session === undefined) return undefined;
      const retry = new Request(request, { body: bodies.get(request) ?? null });
      retry.headers.set("Authorization", `Bearer ${session.accessToken}`);
      return fetch(retry);
    },
  };
  api.use(auth);

  return {
    api,
    async login(email, password) {
      const tokens = await ok(api.POST("/v1/auth/token", { body: { email, password } }));
      remember(tokens);
      return tokens;
    },
    async logout(everywhere = false) {
      const token = session?.refreshToken;
      session = undefined;
      options.onSession?.(undefined);
      if (token !== undefined) {
        await ok(api.POST("/v1/auth/logout", { body: { refresh_token: token, everywhere } }));
      }
    },
    session: () => session,
  };
}
