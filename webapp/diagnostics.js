/*
 * The connection test page: reads GET api/diagnostics (one tick a second, then a silence, then "idle_end"; see
 * io.chatstream.diagnostics.Diagnostics) with fetch, so it sees every byte as it arrives and the moment the
 * connection ends (EventSource would hide both by reconnecting), and says in plain words what lies between this
 * browser and the server. The stream is read by the chat page's parser (assets/sse.js); the verdicts come from
 * assets/diagnostics-verdict.js, which Node tests.
 */
import { SseParser } from './assets/sse.js';
import { analyse, seconds } from './assets/diagnostics-verdict.js';

const doc = document;
const form = doc.getElementById('diagnostics-form');
// diagnostics.html?idle=70&ticks=5 presets the test, so a link can be shared
const params = new URLSearchParams(location.search);
const ticks = whole(params.get('ticks'), 1, 60) || 10;
const presetIdle = whole(params.get('idle'), 0, 600);
if (presetIdle !== null) {
  const select = doc.getElementById('diagnostics-idle');
  if (!Array.prototype.some.call(select.options, function (o) { return o.value === String(presetIdle); })) {
    select.add(new Option(presetIdle + ' s', String(presetIdle)));
  }
  select.value = String(presetIdle);
}
const stopButton = doc.getElementById('diagnostics-stop');
let controller = null;
let timer = null;

function whole(text, min, max) {
  const n = /^\d+$/.test(text || '') ? Number(text) : NaN;
  return n >= min && n <= max ? n : null;
}

function show(run) {
  const a = analyse(run);
  [['buffering', a.buffering], ['idle', a.idle]].forEach(function (pair) {
    const el = doc.getElementById('verdict-' + pair[0]);
    el.textContent = pair[1].text;
    el.className = 'verdict ' + pair[1].kind;
    el.hidden = !pair[1].text;
  });
  const status = doc.getElementById('diagnostics-status');
  if (a.done) {
    status.textContent = 'Done.';
  } else {
    const last = run.events.length ? run.events[run.events.length - 1].at : 0;
    status.textContent = 'Running: ' + seconds(performance.now() - run.startedAt) + ' so far'
        + (run.events.length ? ', last data ' + seconds(performance.now() - run.startedAt - last) + ' ago.' : '.');
  }
}

function logRow(event) {
  const row = doc.createElement('tr');
  [event.type + (event.n ? ' ' + event.n : ''),
    event.server_time_ms ? new Date(event.server_time_ms).toISOString().slice(11, 23) : '',
    seconds(event.at)].forEach(function (text) {
    const cell = doc.createElement('td');
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
  const idle = doc.getElementById('diagnostics-idle').value;
  const token = doc.getElementById('diagnostics-token').value.trim();
  const headers = {'Accept': 'text/event-stream'};
  if (token) {
    headers.Authorization = 'Bearer ' + token;
  }
  const run = {startedAt: performance.now(), status: null, contentEncoding: null, events: [], endedAt: null,
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
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let at = 0;
      const parser = new SseParser({
        event: function (id, data) {
          const e = JSON.parse(data);
          e.at = at;
          run.events.push(e);
          logRow(e);
        },
        comment: function (text) {
          if (text === 'probe') {
            run.probed = true;
          }
        },
      });
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) {
            parser.end();
            finish(run, null);
            return null;
          }
          at = performance.now() - run.startedAt;
          parser.feed(decoder.decode(chunk.value, {stream: true}));
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
