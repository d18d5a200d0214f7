import { SseParser } from './sse.js';

/**
 * The `RateLimit-Policy` and `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers-12), merged by policy name:
 * `{minute: {q: 10, w: 60, r: 0, t: 12}, day: {...}}`. Only Integer parameters are kept; anything unreadable is
 * skipped, and no field at all gives `{}`.
 */
export function parseRateLimit(policyField, currentField) {
  const policies = {};
  for (const field of [policyField, currentField]) {
    for (const member of (field || '').split(',')) {
      const parts = member.trim().split(';');
      const name = /^"([a-z0-9_-]+)"$/.exec(parts[0] || '');
      if (!name) {
        continue;
      }
      const entry = policies[name[1]] || (policies[name[1]] = {});
      for (const p of parts.slice(1)) {
        const kv = /^([a-z]+)=(\d+)$/.exec(p.trim());
        if (kv) {
          entry[kv[1]] = Number.parseInt(kv[2], 10);
        }
      }
    }
  }
  return policies;
}

/**
 * An answer of the API before any stream began: HTTP status, the error body's code and message, Retry-After and,
 * where the server limits replies, its rate-limit fields ({@link parseRateLimit}).
 */
export class ApiError extends Error {
  constructor(status, code, message, retryAfterSeconds, rateLimit = {}) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
    this.rateLimit = rateLimit;
  }

  /** Reads `{"error":{"code","message"}}` from a non-2xx response; any other body gives a generic message. */
  static async from(response) {
    let code = 'http_' + response.status;
    let message = response.statusText || 'HTTP ' + response.status;
    try {
      const body = await response.json();
      if (body && body.error) {
        code = String(body.error.code || code);
        message = String(body.error.message || message);
      }
    } catch (ignored) {
      // not JSON: a proxy's error page, say; keep the status
    }
    const retryAfter = Number.parseInt(response.headers.get('Retry-After') || '', 10);
    const rateLimit = parseRateLimit(response.headers.get('RateLimit-Policy'), response.headers.get('RateLimit'));
    return new ApiError(response.status, code, message, Number.isNaN(retryAfter) ? null : retryAfter, rateLimit);
  }
}

const TERMINAL = new Set(['end', 'error']);
const DEFAULT_RETRY_MILLIS = 3000;
const MAX_DELAY_MILLIS = 30000;
const MAX_ATTEMPTS = 8;

/**
 * One reply of the chat API, followed to its terminal event across dropped connections.
 *
 * It starts with `POST {apiBase}` (the whole history, an `Idempotency-Key` so that a retried POST attaches to the
 * same generation instead of starting a second one), or with `POST start.url` and `start.body` (a message sent to
 * a conversation kept on the server, or a regeneration: the server builds the history), or, given a `streamId`, attaches with
 * `GET {apiBase}/streams/{id}` and `Last-Event-ID: {id}:{lastSeq}`. It reads the event stream with a streaming
 * reader; when the connection drops (a read error, or the body ending before a terminal event) it waits (the
 * server's `retry:` hint, then doubling, with jitter, at most {@link MAX_ATTEMPTS} times in a row without
 * progress) and attaches again after the last event it saw. Events are delivered exactly once, in order: a replay
 * of events already seen is skipped by their sequence number.
 *
 * `run()` resolves exactly once, with one outcome:
 * - `{kind: 'done', terminal}`: the `end` or `error` event arrived;
 * - `{kind: 'delivered'}`: the server answered 204: the stream ended and every event had already been delivered;
 * - `{kind: 'gone'}`: 404 on attach: the stream expired, the server restarted, or it is not this user's;
 * - `{kind: 'refused', error}`: an {@link ApiError} before the stream started (400, 401, 413, 429, 503...);
 * - `{kind: 'lost', error}`: the server could not be reached again after repeated attempts;
 * - `{kind: 'stopped'}`: {@link stop} was called.
 *
 * Handlers (all optional): `stream(streamId)` once the id is known; `event(event, seq)` for each new event;
 * `state(name, detail)` with `connecting`, `streaming`, or `reconnecting` (`{attempt, delayMillis, error}`).
 */
export class ReplyStream {
  constructor({
    apiBase, messages, idempotencyKey, streamId = null, lastSeq = 0, handlers = {}, retryMillis = null, fetchImpl,
    model = null, start = null,
  }) {
    this.apiBase = apiBase;
    this.messages = messages;
    this.start = start;       // {url, body}: a reply started elsewhere than POST {apiBase} (a conversation's message)
    this.model = model;       // sent as `model` when set; null leaves the choice to the server
    this.idempotencyKey = idempotencyKey;
    this.streamId = streamId;
    this.lastSeq = lastSeq;
    this.handlers = handlers;
    this.fetch = fetchImpl || window.fetch.bind(window);
    this.retryMillis = retryMillis;   // until the server's retry: says otherwise
    this.stopped = false;
    this.aborter = new AbortController();
    this.wake = null;
    this.cancelSent = null;
  }

  /** Follows the reply to its end; resolves with the outcome (see the class comment). Call once. */
  async run() {
    const onOnline = () => this.wakeUp();
    window.addEventListener('online', onOnline);
    try {
      return await this.loop();
    } finally {
      window.removeEventListener('online', onOnline);
    }
  }

  /**
   * Stops the reply: `DELETE {apiBase}/streams/{id}` so the server stops generating (not only this connection),
   * and aborts the request in flight. When the POST has not answered yet, the DELETE goes as soon as its
   * `X-Stream-Id` arrives. Returns the DELETE's promise (or null).
   */
  stop() {
    if (this.stopped) {
      return this.cancelSent;
    }
    this.stopped = true;
    if (this.streamId) {
      this.sendCancel();
      this.aborter.abort();
    } else {
      // the generation may already run on the server: wait (briefly) for its id, then cancel it
      setTimeout(() => this.aborter.abort(), 3000);
    }
    this.wakeUp();
    return this.cancelSent;
  }

  sendCancel() {
    if (!this.cancelSent && this.streamId) {
      this.cancelSent = this.fetch(`${this.apiBase}/streams/${encodeURIComponent(this.streamId)}`, {
        method: 'DELETE',
        keepalive: true,
        cache: 'no-store',
      }).catch(() => null);
    }
    return this.cancelSent;
  }

  async loop() {
    let attempt = 0;
    let lastError = null;
    for (;;) {
      if (this.stopped) {
        return { kind: 'stopped' };
      }
      if (attempt > 0) {
        if (attempt > MAX_ATTEMPTS) {
          return { kind: 'lost', error: lastError };
        }
        const delayMillis = this.delay(attempt);
        this.emitState('reconnecting', { attempt, delayMillis, error: lastError });
        await this.sleep(delayMillis);
        if (this.stopped) {
          return { kind: 'stopped' };
        }
      }
      this.emitState('connecting', { resuming: this.streamId !== null });
      const attaching = this.streamId !== null;
      let response;
      try {
        response = await this.open();
      } catch (e) {
        if (this.stopped) {
          return { kind: 'stopped' };
        }
        lastError = e;
        attempt++;
        continue;
      }
      const id = response.headers.get('X-Stream-Id');
      if (id && !this.streamId) {
        this.setStreamId(id);
      }
      if (this.stopped) {
        this.sendCancel();
        this.aborter.abort();
        return { kind: 'stopped' };
      }
      if (response.status === 204) {
        return { kind: 'delivered' };
      }
      if (!response.ok) {
        const error = await ApiError.from(response);
        if (attaching && response.status === 404) {
          return { kind: 'gone' };
        }
        // a retried request meeting a busy server, or a proxy's 502 while the server restarts: try again
        if (attaching && (response.status >= 500 || response.status === 429)) {
          lastError = error;
          attempt++;
          continue;
        }
        return { kind: 'refused', error };
      }
      this.emitState('streaming', {});
      const seqBefore = this.lastSeq;
      let terminal;
      try {
        terminal = await this.read(response);
      } catch (e) {
        lastError = e;
        terminal = null;
      }
      if (terminal) {
        return { kind: 'done', terminal };
      }
      if (this.stopped) {
        return { kind: 'stopped' };
      }
      attempt = this.lastSeq > seqBefore ? 1 : attempt + 1;
      lastError = lastError || new Error('The connection closed before the reply ended.');
    }
  }

  open() {
    const headers = { Accept: 'text/event-stream' };
    const init = { headers, cache: 'no-store', signal: this.aborter.signal };
    if (this.streamId) {
      if (this.lastSeq > 0) {
        headers['Last-Event-ID'] = `${this.streamId}:${this.lastSeq}`;
      }
      return this.fetch(`${this.apiBase}/streams/${encodeURIComponent(this.streamId)}`, { ...init, method: 'GET' });
    }
    headers['Content-Type'] = 'application/json';
    if (this.idempotencyKey) {
      headers['Idempotency-Key'] = this.idempotencyKey;
    }
    if (this.start) {
      return this.fetch(this.start.url, { ...init, method: 'POST', body: JSON.stringify(this.start.body) });
    }
    return this.fetch(this.apiBase, {
      ...init,
      method: 'POST',
      body: JSON.stringify(this.model ? { messages: this.messages, model: this.model } : { messages: this.messages }),
    });
  }

  /** Reads one response; resolves with the terminal event, or null when the body ended without one. */
  async read(response) {
    const reader = response.body.getReader();
    const decoder = new TextDecoder('utf-8');
    let terminal = null;
    const parser = new SseParser({
      event: (id, data) => {
        if (!terminal) {
          terminal = this.accept(id, data);
        }
      },
      retry: (millis) => {
        this.retryMillis = millis;
      },
    });
    try {
      while (!terminal) {
        const { value, done } = await reader.read();
        if (done) {
          parser.feed(decoder.decode());
          break;
        }
        parser.feed(decoder.decode(value, { stream: true }));
      }
    } finally {
      parser.end();
      if (terminal) {
        reader.cancel().catch(() => {});
      }
    }
    return terminal;
  }

  /** One event off the wire: skipped when already seen, else delivered; returns it when it is terminal. */
  accept(id, data) {
    const colon = id.lastIndexOf(':');
    const seq = colon >= 0 ? Number(id.slice(colon + 1)) : NaN;
    if (Number.isInteger(seq)) {
      if (seq <= this.lastSeq) {
        return null;
      }
      if (!this.streamId && colon > 0) {
        this.setStreamId(id.slice(0, colon));
      }
    }
    let event;
    try {
      event = JSON.parse(data);
    } catch (e) {
      return null;
    }
    if (Number.isInteger(seq)) {
      this.lastSeq = seq;
    }
    if (event && event.type === 'start' && event.stream_id && !this.streamId) {
      this.setStreamId(event.stream_id);
    }
    if (this.handlers.event) {
      this.handlers.event(event, this.lastSeq);
    }
    return event && TERMINAL.has(event.type) ? event : null;
  }

  setStreamId(id) {
    this.streamId = id;
    if (this.handlers.stream) {
      this.handlers.stream(id);
    }
  }

  /** The wait before attempt `n` (1-based): the server's retry hint, then doubling up to 30 s, with jitter. */
  delay(n) {
    const base = this.retryMillis ?? DEFAULT_RETRY_MILLIS;
    if (n === 1) {
      return base;
    }
    const d = Math.min(base * 2 ** (n - 1), Math.max(base, MAX_DELAY_MILLIS));
    return Math.round(d * (0.75 + Math.random() * 0.5));
  }

  sleep(millis) {
    return new Promise((resolve) => {
      const timer = setTimeout(done, millis);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = null;
    });
  }

  /** Cuts a backoff wait short: the browser came back online, or the reply was stopped. */
  wakeUp() {
    if (this.wake) {
      this.wake();
    }
  }

  emitState(name, detail) {
    if (this.handlers.state) {
      this.handlers.state(name, detail);
    }
  }
}

/** A random key for `Idempotency-Key`. */
export function newKey() {
  if (window.crypto && crypto.randomUUID) {
    return crypto.randomUUID();
  }
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
