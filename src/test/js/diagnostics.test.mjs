// Tests of the connection test page's verdicts (webapp/assets/diagnostics-verdict.js), run by `node --test` from
// io.chatstream.diagnostics.DiagnosticsPageScriptTest, which gives the module's URL in VERDICT_MODULE (a copy named
// .mjs: Node reads a .js file outside a package of "type": "module" as CommonJS).
import test from 'node:test';
import assert from 'node:assert';

const {analyse} = await import(process.env.VERDICT_MODULE);

const T0 = 1_700_000_000_000;

/** A run whose events arrive at the given times (ms since the request); ticks leave the server a second apart. */
function run({arrivals, idleEndAt = null, endedAt = null, keepalive = 15, idle = 130, endError = null}) {
  const events = [{type: 'hello', server_time_ms: T0, ticks: 10, tick_millis: 1000, idle_seconds: idle,
    keepalive_seconds: keepalive, at: arrivals[0]}];
  for (let n = 1; n <= 10 && n < arrivals.length; n++) {
    events.push({type: 'tick', n, server_time_ms: T0 + n * 1000, at: arrivals[n]});
  }
  if (idleEndAt != null) {
    events.push({type: 'idle_end', server_time_ms: T0 + 10_000 + idle * 1000, idle_seconds: idle, at: idleEndAt});
  }
  return {status: 200, contentEncoding: null, events, endedAt, endError};
}

const steady = [5, 1005, 2004, 3006, 4005, 5003, 6007, 7005, 8004, 9006, 10005];

test('ticks a second apart and a silence that ends: no buffering, no cut', () => {
  const a = analyse(run({arrivals: steady, idleEndAt: 140_006, endedAt: 140_010}));
  assert.strictEqual(a.buffering.kind, 'ok', a.buffering.text);
  assert.match(a.buffering.text, /No buffering/);
  assert.strictEqual(a.idle.kind, 'ok', a.idle.text);
  assert.match(a.idle.text, /130 s did not cut/);
  assert.ok(a.done);
});

test('ticks that arrive in pairs are reported as buffering', () => {
  const pairs = [5, 2001, 2002, 4001, 4002, 6001, 6002, 8001, 8002, 10001, 10002];
  const a = analyse(run({arrivals: pairs, idleEndAt: 140_006, endedAt: 140_010}));
  assert.strictEqual(a.buffering.kind, 'bad');
  assert.match(a.buffering.text, /5 of 10 ticks arrived in bursts \(up to 2 at once\)/);
});

test('everything at the end of the response: the whole response is held back', () => {
  const atEnd = Array(11).fill(140_003);
  const a = analyse(run({arrivals: atEnd, idleEndAt: 140_004, endedAt: 140_005}));
  assert.strictEqual(a.buffering.kind, 'bad');
  assert.match(a.buffering.text, /holds the whole response back/);
  assert.match(a.buffering.text, /proxy_buffering off/);
});

test('a cut after 60 s of silence, with a 15 s keep-alive: said, and chat streams are safe', () => {
  const a = analyse(run({arrivals: steady, endedAt: 70_020}));
  assert.strictEqual(a.idle.kind, 'warn', a.idle.text);
  assert.match(a.idle.text, /cut the connection after about 60 s without data/);
  assert.match(a.idle.text, /Chat streams are safe/);
});

test('a cut shorter than the keep-alive: said, with the setting to change', () => {
  const a = analyse(run({arrivals: steady, endedAt: 40_000, keepalive: 45}));
  assert.strictEqual(a.idle.kind, 'bad', a.idle.text);
  assert.match(a.idle.text, /after about 30 s/);
  assert.match(a.idle.text, /Set chat.sse.keepalive-seconds to 15/);
});

test('buffered and cut: the silence is measured from when the server sent the last tick', () => {
  const atCut = Array(11).fill(70_000);
  const a = analyse(run({arrivals: atCut, endedAt: 70_001}));
  assert.strictEqual(a.buffering.kind, 'bad');
  assert.match(a.buffering.text, /holds the whole response back/);
  assert.match(a.idle.text, /after about 60 s/);
});

test('a silence the server broke with a probe: no claim about idle cuts', () => {
  const probed = run({arrivals: steady, idleEndAt: 140_006, endedAt: 140_010});
  probed.probed = true;
  const a = analyse(probed);
  assert.strictEqual(a.idle.kind, 'warn', a.idle.text);
  assert.match(a.idle.text, /cannot tell/);
  assert.strictEqual(a.buffering.kind, 'ok', 'the ticks still say what they say');
});

test('stopped by the user: no claim about idle cuts', () => {
  const r = run({arrivals: steady, endedAt: 20_000});
  r.stopped = true;
  const a = analyse(r);
  assert.doesNotMatch(a.idle.text, /cut the connection/);
  assert.match(a.idle.text, /Stopped here/);
});

test('a compressed stream is pointed out', () => {
  const r = run({arrivals: steady, idleEndAt: 140_006, endedAt: 140_010});
  r.contentEncoding = 'gzip';
  const a = analyse(r);
  assert.strictEqual(a.buffering.kind, 'warn');
  assert.match(a.buffering.text, /Content-Encoding: gzip/);
});

test('401: the page asks for a login or a token', () => {
  const a = analyse({status: 401, events: [], endedAt: 10, endError: null});
  assert.strictEqual(a.buffering.kind, 'bad');
  assert.match(a.buffering.text, /login or a bearer token/);
});

test('while running: pending, nothing claimed yet', () => {
  const a = analyse(run({arrivals: steady.slice(0, 4)}));
  assert.strictEqual(a.buffering.kind, 'pending');
  assert.strictEqual(a.idle.kind, 'pending');
  assert.ok(!a.done);
});
