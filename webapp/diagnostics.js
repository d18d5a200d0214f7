/*
 * The connection test page: reads GET api/diagnostics (one tick a second, then a silence, then "idle_end"; see
 * io.chatstream.diagnostics.Diagnostics) with fetch, so it sees every byte as it arrives and the moment the
 * connection ends (EventSource would hide both by reconnecting), and says in plain words what lies between this
 * browser and the server.
 *
 * parseFrames and analyse are pure and exported for tests under Node; the rest wires the page.
 */
(function (root) {
  'use strict';

  /** A tick counts as held back when it came less than this share of a tick interval after the one before. */
  var HELD = 0.3;

  /**
   * Splits event-stream text into complete frames. Returns {frames: [{data, comment}], rest}: rest is the
   * incomplete tail, to be prefixed to the next chunk.
   */
  function parseFrames(text) {
    var frames = [];
    // a CR at the very end may be the first half of a CRLF: keep it for the next chunk
    var held = text.charAt(text.length - 1) === '\r' ? '\r' : '';
    var normalised = (held ? text.slice(0, -1) : text).replace(/\r\n?/g, '\n');
    var end;
    while ((end = normalised.indexOf('\n\n')) >= 0) {
      var block = normalised.slice(0, end);
      normalised = normalised.slice(end + 2);
      var frame = {data: null, comment: null};
      block.split('\n').forEach(function (line) {
        if (line.indexOf('data:') === 0) {
          frame.data = line.slice(5).replace(/^ /, '');
        } else if (line.charAt(0) === ':') {
          frame.comment = line.slice(1).trim();
        }
      });
      frames.push(frame);
    }
    return {frames: frames, rest: normalised + held};
  }

  function seconds(ms) {
    return (ms / 1000).toFixed(ms < 10000 ? 1 : 0) + ' s';
  }

  /**
   * What a run shows. run: {status, contentEncoding, events: [{type, n, server_time_ms, at, ...}], endedAt (null
   * while open), endError (text or null), stopped (the user stopped it), probed (the server broke the silence with a
   * ": probe" comment, which it does while many tests run at once)}; times (at, endedAt) in ms since the request
   * was sent.
   * Returns {done, buffering: {kind, text}, idle: {kind, text}}; kind is ok, warn, bad or pending.
   */
  function analyse(run) {
    var result = {done: run.endedAt != null, buffering: {kind: 'pending', text: ''}, idle: {kind: 'pending', text: ''}};
    if (run.status && run.status !== 200) {
      result.done = true;
      result.buffering = {kind: 'bad', text: run.status === 401
          ? 'The server asks for a login or a bearer token (chat.auth.mode): log in, or enter the token, and run the test again.'
          : 'The server answered ' + run.status + ' instead of starting the test.'};
      result.idle = {kind: 'pending', text: ''};
      return result;
    }
    var hello = run.events.filter(function (e) { return e.type === 'hello'; })[0];
    var ticks = run.events.filter(function (e) { return e.type === 'tick'; });
    var idleEnd = run.events.filter(function (e) { return e.type === 'idle_end'; })[0];
    var shutdown = run.events.filter(function (e) { return e.type === 'shutdown'; })[0];
    var expected = hello ? hello.ticks : 0;
    var compressed = run.contentEncoding && run.contentEncoding !== 'identity';

    // Buffering: each tick left the server a second after the one before; did it arrive that way?
    if (ticks.length >= 2) {
      var held = 0;
      var largestBurst = 1;
      var burst = 1;
      for (var i = 1; i < ticks.length; i++) {
        var sent = ticks[i].server_time_ms - ticks[i - 1].server_time_ms;
        var arrived = ticks[i].at - ticks[i - 1].at;
        if (arrived < HELD * Math.max(sent, 1)) {
          held++;
          burst++;
          largestBurst = Math.max(largestBurst, burst);
        } else {
          burst = 1;
        }
      }
      var lastTick = ticks[ticks.length - 1];
      var endAt = idleEnd ? idleEnd.at : run.endedAt;
      var allAtEnd = held === ticks.length - 1 && endAt != null && endAt - lastTick.at < 1000;
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
    var keepAlive = hello ? hello.keepalive_seconds : null;
    var keepAliveText = keepAlive == null ? '' : ' The server sends its keep-alive every ' + keepAlive
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
      var silence = run.endedAt - (ticks[ticks.length - 1].server_time_ms - hello.server_time_ms);
      var text = 'Something cut the connection after about ' + seconds(silence) + ' without data'
          + (run.endError ? ' (' + run.endError + ')' : '') + '.';
      var kind = 'warn';
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

  if (typeof module === 'object' && module.exports) {
    module.exports = {parseFrames: parseFrames, analyse: analyse};
    return;
  }

  // ---- the page ----
  var doc = root.document;
  var form = doc.getElementById('diagnostics-form');
  // diagnostics.html?idle=70&ticks=5 presets the test, so a link can be shared
  var params = new URLSearchParams(root.location.search);
  var ticks = whole(params.get('ticks'), 1, 60) || 10;
  var presetIdle = whole(params.get('idle'), 0, 600);
  if (presetIdle !== null) {
    var select = doc.getElementById('diagnostics-idle');
    if (!Array.prototype.some.call(select.options, function (o) { return o.value === String(presetIdle); })) {
      select.add(new Option(presetIdle + ' s', String(presetIdle)));
    }
    select.value = String(presetIdle);
  }
  var stopButton = doc.getElementById('diagnostics-stop');
  var controller = null;
  var timer = null;

  function whole(text, min, max) {
    var n = /^\d+$/.test(text || '') ? Number(text) : NaN;
    return n >= min && n <= max ? n : null;
  }

  function show(run) {
    var a = analyse(run);
    [['buffering', a.buffering], ['idle', a.idle]].forEach(function (pair) {
      var el = doc.getElementById('verdict-' + pair[0]);
      el.textContent = pair[1].text;
      el.className = 'verdict ' + pair[1].kind;
      el.hidden = !pair[1].text;
    });
    var status = doc.getElementById('diagnostics-status');
    if (a.done) {
      status.textContent = 'Done.';
    } else {
      var last = run.events.length ? run.events[run.events.length - 1].at : 0;
      status.textContent = 'Running: ' + seconds(performance.now() - run.startedAt) + ' so far'
          + (run.events.length ? ', last data ' + seconds(performance.now() - run.startedAt - last) + ' ago.' : '.');
    }
  }

  function logRow(event) {
    var row = doc.createElement('tr');
    [event.type + (event.n ? ' ' + event.n : ''),
      event.server_time_ms ? new Date(event.server_time_ms).toISOString().slice(11, 23) : '',
      seconds(event.at)].forEach(function (text) {
      var cell = doc.createElement('td');
      cell.textContent = text;
      row.appendChild(cell);
    });
    doc.getElementById('diagnostics-log').appendChild(row);
  }

  function finish(run, error) {
    if (run.endedAt == null) {
      run.endedAt = performance.now() - run.startedAt;
      run.endError = error || null;
    }
    clearInterval(timer);
    controller = null;
    form.querySelector('button[type=submit]').disabled = false;
    stopButton.disabled = true;
    show(run);
  }

  function start(event) {
    event.preventDefault();
    if (controller) {
      return;
    }
    doc.getElementById('diagnostics-log').textContent = '';
    var idle = doc.getElementById('diagnostics-idle').value;
    var token = doc.getElementById('diagnostics-token').value.trim();
    var headers = {'Accept': 'text/event-stream'};
    if (token) {
      headers.Authorization = 'Bearer ' + token;
    }
    var run = {startedAt: performance.now(), status: null, contentEncoding: null, events: [], endedAt: null,
      endError: null};
    controller = new AbortController();
    form.querySelector('button[type=submit]').disabled = true;
    stopButton.disabled = false;
    timer = setInterval(function () { show(run); }, 1000);
    show(run);
    fetch('api/diagnostics?ticks=' + ticks + '&idle=' + encodeURIComponent(idle),
        {headers: headers, cache: 'no-store', credentials: 'same-origin', signal: controller.signal})
      .then(function (response) {
        run.status = response.status;
        run.contentEncoding = response.headers.get('Content-Encoding');
        run.headersAt = performance.now() - run.startedAt;
        if (response.status !== 200 || !response.body) {
          finish(run, response.body ? null : 'this browser cannot read a response as it arrives');
          return null;
        }
        var reader = response.body.getReader();
        var decoder = new TextDecoder();
        var pending = '';
        function pump() {
          return reader.read().then(function (chunk) {
            if (chunk.done) {
              finish(run, null);
              return null;
            }
            var at = performance.now() - run.startedAt;
            var parsed = parseFrames(pending + decoder.decode(chunk.value, {stream: true}));
            pending = parsed.rest;
            parsed.frames.forEach(function (frame) {
              if (frame.comment === 'probe') {
                run.probed = true;
              }
              if (frame.data) {
                var e = JSON.parse(frame.data);
                e.at = at;
                run.events.push(e);
                logRow(e);
              }
            });
            show(run);
            return pump();
          });
        }
        return pump();
      })
      .catch(function (error) {
        run.stopped = error && error.name === 'AbortError';
        finish(run, run.stopped ? 'stopped here' : String(error && error.message || error));
      });
  }

  form.addEventListener('submit', start);
  stopButton.addEventListener('click', function () {
    if (controller) {
      controller.abort();
    }
  });
}(this));
