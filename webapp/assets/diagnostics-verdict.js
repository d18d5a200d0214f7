/*
 * The verdicts of the connection test page (diagnostics.html): what the arrival times of a run's events say about
 * the path between the browser and the server. Pure, so that Node runs its tests (src/test/js/diagnostics.test.mjs).
 */

/** A tick counts as held back when it came less than this share of a tick interval after the one before. */
const HELD = 0.3;

/** A duration for people: tenths of a second below 10 s. */
export function seconds(ms) {
  return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + ' s';
}

/**
 * What a run shows. run: {status, contentEncoding, events: [{type, n, server_time_ms, at, ...}], endedAt (null
 * while open), endError (text or null), stopped (the user stopped it), probed (the server broke the silence with a
 * ": probe" comment, which it does while many tests run at once)}; times (at, endedAt) in ms since the request
 * was sent.
 * Returns {done, buffering: {kind, text}, idle: {kind, text}}; kind is ok, warn, bad or pending.
 */
export function analyse(run) {
  const result = {done: run.endedAt != null, buffering: {kind: 'pending', text: ''}, idle: {kind: 'pending', text: ''}};
  if (run.status && run.status !== 200) {
    result.done = true;
    result.buffering = {kind: 'bad', text: run.status === 401
        ? 'The server asks for a login or a bearer token (chat.auth.mode): log in, or enter the token, and run the test again.'
        : 'The server answered ' + run.status + ' instead of starting the test.'};
    result.idle = {kind: 'pending', text: ''};
    return result;
  }
  const hello = run.events.filter((e) => e.type === 'hello')[0];
  const ticks = run.events.filter((e) => e.type === 'tick');
  const idleEnd = run.events.filter((e) => e.type === 'idle_end')[0];
  const shutdown = run.events.filter((e) => e.type === 'shutdown')[0];
  const expected = hello ? hello.ticks : 0;
  const compressed = run.contentEncoding && run.contentEncoding !== 'identity';

  // Buffering: each tick left the server a second after the one before; did it arrive that way?
  if (ticks.length >= 2) {
    let held = 0;
    let largestBurst = 1;
    let burst = 1;
    for (let i = 1; i < ticks.length; i++) {
      const sent = ticks[i].server_time_ms - ticks[i - 1].server_time_ms;
      const arrived = ticks[i].at - ticks[i - 1].at;
      if (arrived < HELD * Math.max(sent, 1)) {
        held++;
        burst++;
        largestBurst = Math.max(largestBurst, burst);
      } else {
        burst = 1;
      }
    }
    const lastTick = ticks[ticks.length - 1];
    const endAt = idleEnd ? idleEnd.at : run.endedAt;
    const allAtEnd = held === ticks.length - 1 && endAt != null && endAt - lastTick.at < 1000;
    if (allAtEnd) {
      result.buffering = {kind: 'bad', text: 'Something holds the whole response back until it ends: the '
          + ticks.length + ' ticks, sent a second apart, all arrived at once at the end. A proxy or filter between'
          + ' this browser and the server buffers responses; chat replies will appear all at once instead of word'
          + ' by word. Turn buffering off for this path (nginx: proxy_buffering off; Apache: flushpackets=on; IIS'
          + ' ARR: response buffer threshold 0) and make sure nothing compresses text/event-stream.'};
    } else if (held > 0) {
      result.buffering = {kind: 'bad', text: 'Something buffers the stream: ' + held + ' of ' + ticks.length
          + ' ticks arrived in bursts (up to ' + largestBurst + ' at once) instead of one a second. Chat replies'
          + ' will arrive in jerks. Look for a proxy with buffering on, a compressing filter, or a virus scanner'
          + ' that inspects web traffic.'};
    } else if (ticks.length === expected || idleEnd || run.endedAt != null) {
      result.buffering = {kind: 'ok', text: 'No buffering: the ' + ticks.length + ' ticks arrived one by one,'
          + ' about a second apart, as the server sent them.'};
    } else {
      result.buffering = {kind: 'pending', text: ticks.length + ' of ' + expected + ' ticks so far, each'
          + ' arriving on its own.'};
    }
    if (compressed) {
      result.buffering.text += ' The stream arrives compressed (Content-Encoding: ' + run.contentEncoding
          + '): a compressing proxy or filter must leave text/event-stream alone.';
      if (result.buffering.kind === 'ok') {
        result.buffering.kind = 'warn';
      }
    }
  } else if (run.endedAt != null) {
    result.buffering = {kind: 'bad', text: 'The connection ended after ' + ticks.length + ' tick(s), '
        + seconds(run.endedAt) + ' after it opened, before the test could measure anything'
        + (run.endError ? ' (' + run.endError + ')' : '') + '.'};
  } else {
    result.buffering = {kind: 'pending', text: hello ? 'Connected; waiting for ticks.' : 'Connecting.'};
  }

  // Idle cut: after the last tick the server says nothing for idle_seconds, then sends idle_end.
  const keepAlive = hello ? hello.keepalive_seconds : null;
  const keepAliveText = keepAlive == null ? '' : ' The server sends its keep-alive every ' + keepAlive
      + ' s (chat.sse.keepalive-seconds).';
  if (shutdown) {
    result.idle = {kind: 'warn', text: 'The web application stopped (undeployed or restarted) during the test;'
        + ' run it again.'};
  } else if (run.probed && (idleEnd || run.endedAt != null)) {
    result.idle = {kind: 'warn', text: 'Many connection tests were running at once, so the server checked during'
        + ' the silence that this browser was still there: the silence was not complete, and this run cannot tell'
        + ' whether anything cuts idle connections. Run the test again later.'};
  } else if (idleEnd) {
    result.idle = {kind: 'ok', text: 'A silence of ' + idleEnd.idle_seconds + ' s did not cut the connection.'
        + keepAliveText};
  } else if (run.stopped) {
    result.idle = {kind: 'warn', text: 'Stopped here before the silence ended; run the test to its end to see'
        + ' whether anything cuts idle connections.'};
  } else if (hello && ticks.length === expected && run.endedAt != null) {
    // when the server sent the last tick, on this page's clock: the server started at about 0 (the request),
    // and its own clock says how long after that the tick left (arrival times may be buffered, this is not)
    const silence = run.endedAt - (ticks[ticks.length - 1].server_time_ms - hello.server_time_ms);
    let text = 'Something cut the connection after about ' + seconds(silence) + ' without data'
        + (run.endError ? ' (' + run.endError + ')' : '') + '.';
    let kind = 'warn';
    if (keepAlive != null) {
      if (keepAlive * 1000 < silence * 0.8) {
        text += keepAliveText.replace(/^ /, ' Chat streams are safe: ') + ' That is well below the cut.';
      } else {
        kind = 'bad';
        text += keepAliveText + ' That is too long: a reply that waits on the model for ' + seconds(silence)
            + ' will be cut. Set chat.sse.keepalive-seconds to ' + Math.max(1, Math.floor(silence / 2000))
            + ', or raise the idle timeout of the proxy, load balancer or container that cuts it.';
      }
    }
    result.idle = {kind: kind, text: text};
  } else if (hello && ticks.length === expected) {
    result.idle = {kind: 'pending', text: 'Silent for ' + hello.idle_seconds + ' s now, to see whether anything'
        + ' cuts an idle connection.'};
  }
  return result;
}
