// Runs in the page (executeAsyncScript). arguments: the module URL of client.js, the callback. Drives ReplyStream
// against a scripted fetch; calls back with a list of failures (empty: all passed).
const [moduleUrl, done] = arguments;

import(moduleUrl).then(async ({ ReplyStream }) => {
  const failures = [];
  const encoder = new TextEncoder();

  /** A response whose body yields these strings, then ends, or fails like a dropped connection. */
  function sse(chunks, { headers = {}, fail = false } = {}) {
    const queue = chunks.slice();
    // pulled one read at a time: an error only after the reader had every chunk (error() drops queued ones)
    const body = new ReadableStream({
      pull(controller) {
        if (queue.length > 0) {
          controller.enqueue(encoder.encode(queue.shift()));
        } else if (fail) {
          controller.error(new TypeError('network error'));
        } else {
          controller.close();
        }
      },
    }, { highWaterMark: 0 });
    return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream', ...headers } });
  }
  const frame = (seq, event) => `id: s1:${seq}\ndata: ${JSON.stringify(event)}\n\n`;
  const chunk = (seq, content) => frame(seq, { type: 'chunk', content });
  const end = (seq) => frame(seq, { type: 'end', finish_reason: 'stop' });
  const start = frame(1, { type: 'start', stream_id: 's1', model: 'm' });

  /** A fetch that answers call n with steps[n] (a function of url and init), and records the calls. */
  function scripted(steps) {
    const calls = [];
    const fetch = (url, init = {}) => {
      calls.push({ url: String(url), method: init.method || 'GET', headers: { ...(init.headers || {}) } });
      const step = steps[calls.length - 1];
      return step ? Promise.resolve().then(() => step(url, init)) : Promise.reject(new TypeError('offline'));
    };
    return { fetch, calls };
  }

  async function run(name, steps, options, verify) {
    const { fetch, calls } = scripted(steps);
    const events = [];
    const states = [];
    const reply = new ReplyStream({
      apiBase: '/api/chat', messages: [{ role: 'user', content: 'hi' }], idempotencyKey: 'key-1',
      retryMillis: 5, ...options, fetchImpl: fetch,
      handlers: {
        event: (e, seq) => events.push([seq, e]),
        state: (s, detail) => states.push([s, detail]),
      },
    });
    try {
      const outcome = await (options.during ? Promise.all([reply.run(), options.during(reply)])
          .then((r) => r[0]) : reply.run());
      const problem = verify({ outcome, events, calls, states, reply });
      if (problem) {
        failures.push(`${name}: ${problem}`);
      }
    } catch (e) {
      failures.push(`${name}: threw ${e}`);
    }
  }
  const text = (events) => events.filter(([, e]) => e.type === 'chunk').map(([, e]) => e.content).join('');
  const seqs = (events) => events.map(([s]) => s).join(',');

  await run('a body that ends early is resumed after its last event; a replay is skipped', [
    () => sse(['retry: 5\n\n', start, chunk(2, 'Hel'), chunk(3, 'lo')], { headers: { 'X-Stream-Id': 's1' } }),
    () => sse([chunk(2, 'Hel'), chunk(3, 'lo'), chunk(4, ' world'), end(5)]),
  ], {}, ({ outcome, events, calls }) => {
    if (outcome.kind !== 'done') return `outcome ${JSON.stringify(outcome)}`;
    if (seqs(events) !== '1,2,3,4,5') return `events ${seqs(events)}`;
    if (text(events) !== 'Hello world') return `text ${text(events)}`;
    if (calls[0].method !== 'POST' || calls[0].headers['Idempotency-Key'] !== 'key-1') return 'first call';
    if (calls[1].url !== '/api/chat/streams/s1' || calls[1].headers['Last-Event-ID'] !== 's1:3') {
      return `resume call ${JSON.stringify(calls[1])}`;
    }
    return null;
  });

  await run('a read error mid-body is resumed the same way, after the retry hint', [
    () => sse(['retry: 7\n\n', start, chunk(2, 'a')], { fail: true }),
    () => sse([chunk(3, 'b'), end(4)]),
  ], {}, ({ outcome, events, calls, states }) => {
    if (outcome.kind !== 'done' || text(events) !== 'ab') return `${outcome.kind} ${text(events)}`;
    if (calls[1].headers['Last-Event-ID'] !== 's1:2') return `resume from ${calls[1].headers['Last-Event-ID']}`;
    const wait = states.find(([s]) => s === 'reconnecting');
    if (!wait || wait[1].delayMillis !== 7) return `waited ${JSON.stringify(wait)}`;
    return null;
  });

  await run('a POST that fails before any answer is sent again with the same key', [
    () => Promise.reject(new TypeError('connection reset')),
    () => sse([start, chunk(2, 'x'), end(3)]),
  ], {}, ({ outcome, events, calls }) => {
    if (outcome.kind !== 'done' || text(events) !== 'x') return outcome.kind;
    if (calls[1].method !== 'POST' || calls[1].headers['Idempotency-Key'] !== 'key-1') return 'second POST';
    return null;
  });

  await run('204 on attach: everything was delivered', [
    () => new Response(null, { status: 204 }),
  ], { streamId: 's1', lastSeq: 5 }, ({ outcome, calls }) => {
    if (outcome.kind !== 'delivered') return outcome.kind;
    return calls[0].headers['Last-Event-ID'] === 's1:5' ? null : 'Last-Event-ID';
  });

  await run('404 on attach: the stream is gone', [
    () => new Response('{"error":{"code":"not_found","message":"No such stream"}}', { status: 404 }),
  ], { streamId: 's1', lastSeq: 2 }, ({ outcome }) => (outcome.kind === 'gone' ? null : outcome.kind));

  await run('a 503 on attach is retried', [
    () => new Response('{"error":{"code":"unavailable","message":"busy"}}', { status: 503 }),
    () => sse([chunk(3, 'z'), end(4)]),
  ], { streamId: 's1', lastSeq: 2 }, ({ outcome, events }) => (outcome.kind === 'done' && text(events) === 'z'
      ? null : outcome.kind));

  await run('an error before the stream is refused, with its code and Retry-After', [
    () => new Response('{"error":{"code":"too_many_streams","message":"wait"}}',
        { status: 429, headers: { 'Retry-After': '7', 'Content-Type': 'application/json' } }),
  ], {}, ({ outcome, calls }) => {
    if (outcome.kind !== 'refused') return outcome.kind;
    const e = outcome.error;
    if (e.status !== 429 || e.code !== 'too_many_streams' || e.retryAfterSeconds !== 7) return JSON.stringify(e);
    return calls.length === 1 ? null : 'retried a refused POST';
  });

  await run('an error event is terminal', [
    () => sse([start, chunk(2, 'p'), frame(3, { type: 'error', code: 'upstream_error', error: 'x' })]),
  ], {}, ({ outcome }) => (outcome.kind === 'done' && outcome.terminal.type === 'error' ? null : outcome.kind));

  await run('stop before the POST answered: cancelled on the server once its id is known', [
    () => new Promise((resolve) => setTimeout(() => resolve(sse([start], { headers: { 'X-Stream-Id': 's9' } })), 30)),
    () => new Response(null, { status: 204 }),
  ], { during: (reply) => reply.stop() }, ({ outcome, calls }) => {
    if (outcome.kind !== 'stopped') return outcome.kind;
    const del = calls.find((c) => c.method === 'DELETE');
    return del && del.url === '/api/chat/streams/s9' ? null : `calls ${JSON.stringify(calls)}`;
  });

  await run('stop while streaming: DELETE, and the fetch is aborted', [
    (url, init) => new Response(new ReadableStream({
      start(controller) {
        controller.enqueue(encoder.encode(start));
        init.signal.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
      },
    }), { status: 200, headers: { 'X-Stream-Id': 's1' } }),
    () => new Response(null, { status: 204 }),
  ], { during: (reply) => new Promise((r) => setTimeout(r, 20)).then(() => reply.stop()) },
  ({ outcome, calls }) => {
    if (outcome.kind !== 'stopped') return outcome.kind;
    return calls[1] && calls[1].method === 'DELETE' && calls[1].url === '/api/chat/streams/s1' ? null : 'no DELETE';
  });

  await run('a server that stays away: lost after repeated attempts', [], { retryMillis: 1 },
      ({ outcome, calls }) => (outcome.kind === 'lost' && calls.length === 9 ? null
          : `${outcome.kind} after ${calls.length} calls`));

  done(failures);
}).catch((e) => done([`could not run: ${e}`]));
